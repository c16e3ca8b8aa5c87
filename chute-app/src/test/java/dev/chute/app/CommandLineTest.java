package dev.chute.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chute.server.ServerAuth;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * The command line run in this JVM ({@link Main#commandLine()} with its output captured): what each
 * command answers and its exit code, without the seconds a JVM per command costs. Issue 13, item 8
 * (help, exit codes, one line per failure) and item 9 (progress).
 */
class CommandLineTest {
    @TempDir
    Path root;

    /** Every command, taken from picocli itself so that a new one cannot be left out, with both help flags. */
    static Stream<Arguments> everyCommandAndHelpFlag() {
        return Main.commandLine().getSubcommands().keySet().stream()
                .flatMap(name -> Stream.of(Arguments.of(name, "--help"), Arguments.of(name, "-h")));
    }

    /** Issue 13: {@code chute up --help} said "Unknown option", {@code chute load --help} that PATH was missing. */
    @ParameterizedTest(name = "chute {0} {1}")
    @MethodSource("everyCommandAndHelpFlag")
    void everyCommandAnswersHelpWithItsUsageAndExitZero(String command, String flag) {
        Run help = run(command, flag);

        assertThat(help.exit()).as(help::toString).isZero();
        assertThat(help.out()).as(help::toString).startsWith("Usage: chute " + command).contains("-h, --help");
        assertThat(help.err()).as(help::toString).isEmpty();
    }

    /** Issue 13: {@code bench} was missing from {@code chute --help}. */
    @Test
    void theTopLevelHelpListsEveryCommandIncludingBench() {
        Run help = run("--help");

        assertThat(help.exit()).isZero();
        assertThat(help.out()).as(help::toString).contains("Exit codes:", "  1   the work failed", "  2   usage or configuration error");
        assertThat(Main.commandLine().getSubcommands()).containsKey("bench");
        for (String command : Main.commandLine().getSubcommands().keySet()) {
            assertThat(help.out()).as(help::toString).containsPattern("(?m)^  " + command + " ");
        }
    }

    /** The benchmarks are another module, on the class path only where {@code ./chute bench} puts them: elsewhere the command says so. */
    @Test
    void benchWithoutTheBenchmarksModuleSaysHowToRunThem() {
        Run bench = run("bench", "--rows", "10");

        assertThat(bench.exit()).as(bench::toString).isEqualTo(2);
        assertThat(bench.err()).as(bench::toString).contains("the benchmarks are not part of this build").contains("./chute bench");
    }

    /** Issue 13: {@code chute replay nope.csv} said "0 file(s) moved" and exited 0. */
    @Test
    void replayOfANameThatMatchesNothingExitsOneSayingWhatWasLookedForAndWhere() throws IOException {
        Path home = root.resolve("home");
        Files.createDirectories(home.resolve("failed/shop/orders"));
        Files.writeString(home.resolve("failed/shop/orders/bad.csv"), "id\nx\n");

        Run replay = run("replay", "--home", home.toString(), "nope.csv");

        assertThat(replay.exit()).as(replay::toString).isEqualTo(1);
        assertThat(replay.err()).as(replay::toString).startsWith("chute: nothing in failed/ matches nope.csv")
                .contains(home.resolve("failed").toString());
        assertThat(home.resolve("failed/shop/orders/bad.csv")).as("a name that matches nothing moves nothing").exists();
        assertThat(replay.out()).as(replay::toString).isEmpty();

        Run all = run("replay", "--home", home.toString(), "shop/orders/bad.csv");
        assertThat(all.exit()).as(all::toString).isZero();
        assertThat(all.out()).contains("replayed shop/orders/bad.csv");
    }

    /** Issue 13: a single file that matches no route failed without saying that --table loads it. */
    @Test
    void loadOfAFileThatMatchesNoRouteSuggestsTable() throws IOException {
        Path file = Files.writeString(root.resolve("somefile.csv"), "a,b\n1,2\n");

        Run load = run("load", "--home", root.resolve("home").toString(), file.toString());

        assertThat(load.exit()).as(load::toString).isEqualTo(1);
        assertThat(load.out()).as(load::toString).contains("cannot route 'somefile.csv'")
                .contains("--table DATASET.TABLE " + file);
    }

    /** Issue 13: a query that is not valid SQL exited 2, the code of usage and configuration errors. */
    @Test
    void aQueryThatIsNotValidSqlExitsOneWithTheReasonOnce() {
        Run query = run("query", "--home", root.resolve("home").toString(), "SELEC 1");

        assertThat(query.exit()).as(query::toString).isEqualTo(1);
        assertThat(query.err()).as(query::toString).startsWith("chute: ").contains("SELEC").doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(occurrences(query.all(), "syntax error")).as(query::toString).isEqualTo(1);
        assertThat(query.out()).isEmpty();
    }

    /** Issue 13: a failed file was printed twice (as it happened and in the summary); now once, with its reason. */
    @Test
    void aFailedFileIsReportedOnceWithItsReason() throws IOException {
        Path dir = Files.createDirectories(root.resolve("in/shop/orders"));
        Files.writeString(dir.resolve("good.csv"), "id,qty\n1,5\n");
        assertThat(run("load", "--home", root.resolve("home").toString(), root.resolve("in").toString()).exit()).isZero();
        Files.writeString(dir.resolve("zbad.csv"), "id,qty\n2,lots\n");

        Run load = run("load", "--home", root.resolve("home").toString(), root.resolve("in").toString());

        assertThat(load.exit()).as(load::toString).isEqualTo(1);
        assertThat(load.out()).as(load::toString).contains("1 failed").contains("lots");
        assertThat(occurrences(load.all(), "found 'lots'")).as(load::toString).isEqualTo(1);
        assertThat(load.all()).as(load::toString).doesNotContain("\tat ");
    }

    /** Issue 13: without a terminal, chute load printed a line per file and nothing about the whole; now a line every interval. */
    @Test
    void loadWithoutATerminalPrintsPlainProgressLinesOfTheWhole() throws IOException {
        Path dir = Files.createDirectories(root.resolve("many/shop/events"));
        for (int f = 0; f < 30; f++) {
            Files.writeString(dir.resolve(String.format("e%02d.csv", f)), "id,n\n" + f + ",1\n");
        }

        Run load = run("load", "--home", root.resolve("home").toString(), "--progress-every", "1ms", root.resolve("many").toString());

        assertThat(load.exit()).as(load::toString).isZero();
        assertThat(load.out()).as(load::toString).startsWith("loading 30 files, 290 bytes\n");
        List<String> progress = load.out().lines().filter(l -> l.startsWith("loaded ")).toList();
        assertThat(progress).as(load::toString).isNotEmpty()
                .allMatch(l -> l.matches("loaded \\d+/30 files, \\d+ rows, \\d+\\.\\d MB/s, (ETA (\\?|\\d+:\\d\\d)|done)"), "a progress line of the 30 files");
        assertThat(load.out()).as(load::toString).doesNotContain("\r").contains("30 file(s) loaded (30 rows)");
        // a batch commits as a whole: 30 files go in two, so that the count moves before the end
        Run loads = run("query", "--home", root.resolve("home").toString(), "--format", "csv", "select count(distinct load_id) as loads from _chute.ledger");
        assertThat(loads.out()).as(loads::toString).isEqualTo("loads\n2\n");
    }

    @Test
    void aBadProgressIntervalIsAUsageErrorNamingTheOption() {
        Run load = run("load", "--home", root.resolve("home").toString(), "--progress-every", "soon", root.toString());

        assertThat(load.exit()).as(load::toString).isEqualTo(2);
        assertThat(load.err()).as(load::toString).contains("--progress-every has value 'soon'; expected a duration such as 500ms, 5s or 1m");
    }

    /** Issue 13: a port in use was reported twice, by Javalin ("Failed to start Javalin") and by chute up. */
    @Test
    void upOnAPortInUseSaysSoOnceAndExitsTwo() throws IOException {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Run up = run("up", "--home", root.resolve("home").toString(), "--port", Integer.toString(taken.getLocalPort()));

            assertThat(up.exit()).as(up::toString).isEqualTo(2);
            assertThat(up.err()).as(up::toString).contains("chute: cannot start the HTTP server on 127.0.0.1:" + taken.getLocalPort())
                    .doesNotContain("Failed to start Javalin").doesNotContain("\tat ");
            assertThat(occurrences(up.err(), String.valueOf(taken.getLocalPort()))).as(up::toString).isEqualTo(1);
        }
    }

    /** Issue 13: bound to 0.0.0.0, the start-up line showed 127.0.0.1 only, not where the server really listens. */
    @Test
    void theStartUpLineNamesTheConsoleUrlAndTheAddressReallyBound() {
        UpCommand.Listening any = UpCommand.Listening.of("0.0.0.0", 41234);
        UpCommand.Listening loopback = UpCommand.Listening.of("127.0.0.1", 8080);

        assertThat(UpCommand.consoleLine(any, ServerAuth.open(), false))
                .isEqualTo("Console: http://127.0.0.1:41234/ (listening on 0.0.0.0:41234, every network interface of this machine;"
                        + " no sign-in: server.auth is none)");
        String signIn = UpCommand.consoleLine(loopback, new ServerAuth(true, List.of(), java.util.Optional.of("secret")), false);
        assertThat(signIn).matches(Pattern.compile("Console: http://127\\.0\\.0\\.1:8080/signin/[0-9a-f]+\n  \\(listening on 127\\.0\\.0\\.1:8080,"
                + " this machine only; a one-time sign-in link, .*", Pattern.DOTALL));
        assertThat(UpCommand.Listening.of("::", 9000).url()).isEqualTo("http://[::1]:9000");
    }

    private static int occurrences(String text, String part) {
        return text.split(Pattern.quote(part), -1).length - 1;
    }

    /** What a command printed: standard output, and standard error with the log lines (which go to System.err). */
    record Run(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    private static synchronized Run run(String... args) {
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        PrintStream systemErr = System.err;
        // before the writers are set: picocli follows a System.err replaced after them
        System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
        try {
            CommandLine cli = Main.commandLine();
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            int exit = cli.execute(args);
            return new Run(exit, out.toString(), err + logs.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(systemErr);
        }
    }
}
