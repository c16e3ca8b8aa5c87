package dev.chute.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chute.core.Json;
import dev.chute.core.StatusReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 13 (items 5 and 10): what {@code chute status} and {@code chute query} print, run in this
 * JVM on a real home with a real DuckDB. The status says "attention" with the count while a file
 * sits in failed/; a query's timestamp without time zone has no Z, and structs and lists print as
 * JSON.
 */
class StatusAndQueryTextTest {
    @TempDir
    Path home;

    @TempDir
    Path files;

    /** Runs one command of {@code chute} on the home; its standard output. */
    private String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ChuteCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        String[] withHome = new String[args.length + 2];
        System.arraycopy(args, 0, withHome, 0, args.length);
        withHome[args.length] = "--home";
        withHome[args.length + 1] = home.toString();
        int exit = cli.execute(withHome);
        assertThat(exit).as("chute " + String.join(" ", args) + ": " + err).isIn(Main.OK, Main.FILES_FAILED);
        return out.toString();
    }

    /** Item 5: the status listed the failure far below, with nothing at the top saying anything needs a person. */
    @Test
    void statusSaysAttentionWithTheCountWhileAFileIsFailed() throws Exception {
        Path good = files.resolve("shop").resolve("fine").resolve("a.csv");
        Path bad = files.resolve("shop").resolve("broken").resolve("a.jsonl");
        Files.createDirectories(good.getParent());
        Files.createDirectories(bad.getParent());
        Files.writeString(good, "id\n1\n");
        Files.writeString(bad, "{\"id\": 1}\n{not json\n");
        run("load", files.toString());

        String status = run("status");
        assertThat(status).contains("State: attention: 1 failed file not loaded");
        assertThat(status.indexOf("State: attention")).as("the state comes before the tables").isLessThan(status.indexOf("Tables"));
        // the report as /api/status sends it reads back (what chute status does while chute up runs)
        StatusReport report = Json.mapper().readValue(run("status", "--json"), StatusReport.class);
        assertThat(report.failedFiles()).isEqualTo(1);
        assertThat(report.state()).isEqualTo("attention");
    }

    /**
     * Item 10: a TIMESTAMP without time zone printed with a Z (an offset it does not have), a struct
     * as {k=1} and a list as [1, 2] (Java's text). Now the CLI prints what the API sends.
     */
    @Test
    void queryPrintsTimestampsWithTheirZoneOrNoneAndStructsAndListsAsJson() {
        String table = run("query", "SELECT TIMESTAMP '2024-05-01 10:00:00' AS local_time, TIMESTAMPTZ '2024-05-01 10:00:00+02' AS zoned,"
                + " {'k': 1, 'l': [1, 2]} AS st, [1, 2] AS l");
        String row = table.lines().toList().get(2);
        assertThat(row).contains("2024-05-01T10:00:00 ").doesNotContain("2024-05-01T10:00:00Z");
        assertThat(row).contains("2024-05-01T08:00:00Z").contains("{\"k\":1,\"l\":[1,2]}").contains("[1,2]");

        String csv = run("query", "--format", "csv", "SELECT TIMESTAMP '2024-05-01 10:00:00' AS local_time, [1, 2] AS l");
        assertThat(csv).isEqualTo("local_time,l\n2024-05-01T10:00:00,\"[1,2]\"\n");
    }
}
