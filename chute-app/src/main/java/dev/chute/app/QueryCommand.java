package dev.chute.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chute.core.Json;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "query", description = {"Run one read-only SQL query against the warehouse (through the running instance if there is one).",
        "Exit code 1 when the query fails (not valid SQL, refused, timed out), 2 on a usage or configuration error."})
final class QueryCommand implements Callable<Integer> {
    @Mixin
    HomeOptions options;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table", description = "table, csv (RFC 4180) or json (default: ${DEFAULT-VALUE}).")
    String format;

    @Parameters(arity = "1..*", paramLabel = "SQL", description = "The query; several words are joined with spaces.")
    List<String> sql;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        options.configureLogging();
        if (!List.of("table", "csv", "json").contains(format)) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "--format has value '" + format + "'; expected table, csv or json");
        }
        String text = String.join(" ", sql);
        Path home = options.home();
        JsonNode result;
        Optional<HomeLock.RunningInstance> running = HomeLock.running(home);
        // the query's own failure (not valid SQL, refused, timed out) is exit 1; exit 2 stays for usage and configuration
        Optional<String> failure;
        if (running.isPresent()) {
            try {
                result = new Remote(running.get()).post("/api/query", Map.of("sql", text));
                failure = result.hasNonNull("error") ? Optional.of(result.get("error").asText()) : Optional.empty();
            } catch (Remote.Refused e) {
                if (e.status != 400) {
                    throw e;
                }
                result = null;
                failure = Optional.of(e.getMessage());
            }
        } else {
            String[] error = new String[1];
            result = options.direct(chute -> {
                try {
                    return Json.queryResult(chute.query(text));
                } catch (ChuteException e) {
                    error[0] = e.getMessage();
                    return null;
                }
            });
            failure = Optional.ofNullable(error[0]);
        }
        if (failure.isPresent()) {
            spec.commandLine().getErr().println("chute: " + failure.get());
            spec.commandLine().getErr().flush();
            return Main.FILES_FAILED;
        }
        print(result, spec.commandLine().getOut());
        return Main.OK;
    }

    void print(JsonNode result, PrintWriter out) {
        List<String> names = new ArrayList<>();
        result.path("columns").forEach(c -> names.add(c.path("name").asText()));
        switch (format) {
            case "json" -> {
                ArrayNode rows = Json.mapper().createArrayNode();
                for (JsonNode row : result.path("rows")) {
                    ObjectNode o = rows.addObject();
                    for (int i = 0; i < names.size(); i++) {
                        o.set(names.get(i), row.get(i));
                    }
                }
                out.println(rows.toPrettyString());
            }
            case "csv" -> {
                out.print(String.join(",", names.stream().map(QueryCommand::csvField).toList()) + "\n");
                for (JsonNode row : result.path("rows")) {
                    List<String> fields = new ArrayList<>();
                    // a struct or list is its JSON text (asText of a container is empty)
                    row.forEach(v -> fields.add(v.isNull() ? "" : csvField(v.isContainerNode() ? v.toString() : v.asText())));
                    out.print(String.join(",", fields) + "\n");
                }
            }
            default -> {
                TextTable table = new TextTable(names);
                for (JsonNode row : result.path("rows")) {
                    List<String> cells = new ArrayList<>();
                    row.forEach(v -> cells.add(v.isNull() ? "NULL" : v.isContainerNode() ? v.toString() : v.asText()));
                    table.add(cells);
                }
                table.print(out);
                if (result.path("truncated").asBoolean()) {
                    out.println(result.path("truncatedBy").asText().equals("bytes")
                            ? "(truncated: the answer reached query.max_bytes)" : "(truncated: more rows than query.max_rows)");
                }
            }
        }
        out.flush();
    }

    /** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled; an empty string is quoted to tell it from NULL. */
    static String csvField(String v) {
        if (v.isEmpty()) {
            return "\"\"";
        }
        if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
            return "\"" + v.replace("\"", "\"\"") + "\"";
        }
        return v;
    }
}
