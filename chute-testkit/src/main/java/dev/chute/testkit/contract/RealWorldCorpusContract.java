package dev.chute.testkit.contract;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chute.spi.LoadError;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, "Tests and measures": a corpus of real public files written by others (DuckDB's test
 * data, FiveThirtyEight, vega-datasets, apache/arrow-testing; sources and licences in
 * {@code realworld/SOURCES.md}) is dropped into landing as a user would, one table per file, and
 * every file must either be committed with exactly the row count an independent reader found
 * ({@code realworld/expected.tsv}), or, where that file says {@code fail}, be in {@code failed/}
 * with a reason a user can act on: it names the file, the line where one is known, and shows no
 * internal path and no advice about engine options Chute does not have. Nothing may be lost
 * silently, nothing half-loaded, nothing may hang.
 *
 * <p>All files go in at once (that is also how a backlog arrives) and every mismatch is collected,
 * so a single run prints the whole table of file, expected, actual and what is wrong.
 */
public abstract class RealWorldCorpusContract extends WarehouseContract {
    private static final String RESOURCES = "/realworld/";
    private static final String DATASET = "realworld";
    /** {@code -Drealworld.only=<regex>} runs only the matching files, to reproduce one failure at a time. */
    private static final String ONLY = "realworld.only";
    /** All files settle well within this; a file still in landing or retrying after it counts as a hang. */
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern COLUMNS = Pattern.compile("(\\d+) cols\\b");
    /** Advice written for DuckDB's own options, which a Chute user cannot set. */
    private static final List<String> ENGINE_ADVICE = List.of("possible fixes", "ignore_errors", "strict_mode", "sniff", "store_rejects",
            "null_padding", "read_csv", "read_json");

    /**
     * What the reason of an expected failure must name beyond the key: the physical line (header
     * and quoted line breaks counted, as an editor shows it) or a word. From the notes of
     * {@code expected.tsv}, checked by hand against the bytes: avengers' stray 0xE6 is on line 31,
     * all_latin1's first byte above 0x7F on line 95, invalid_utf_header's 0xFF 0xFF on line 1.
     */
    private static final Map<String, Demand> DEMANDS = Map.of(
            "538/avengers__avengers.csv", Demand.line(31),
            "duckdb/encodings__all_latin1.csv", Demand.line(95),
            "duckdb/test__invalid_utf_header.csv", Demand.line(1),
            "duckdb/encodings__only_utf16.csv", Demand.word("UTF-16"));

    /**
     * Files a user could not load without saying what they are: a TPC-H {@code .tbl} is not a name
     * Chute reads by its extension, and the error says to set {@code format} for the table, as done here.
     */
    private static final Map<String, String> TABLE_SETTINGS = Map.of(
            "duckdb/lineitem1k.tbl.gz", "format: csv");

    /**
     * Files that {@code expected.tsv} says load but that the warehouse under test cannot load as
     * they are, with the fragment the failure's reason must hold: such a file may fail with that
     * clear reason (all other checks of a failure apply: it names the file, shows no internal path
     * or engine advice, and leaves no rows), or load with the expected row count. Kept explicit and
     * per warehouse so that every disagreement with the independent reader is written down here.
     *
     * <p>On every warehouse: {@code arrow__hadoop_lz4_compressed.parquet} uses the legacy
     * Hadoop-framed LZ4 codec, which DuckDB 1.4's Parquet reader (the reader of both warehouses)
     * cannot decode at all ("Unsupported compression codec LZ4"); expected.tsv counts its rows from
     * the footer's metadata, which needs no decoding, so it says load 4.
     */
    protected Map<String, String> expectedFailures() {
        return Map.of("duckdbpq/arrow__hadoop_lz4_compressed.parquet", "LZ4");
    }

    @Test
    void everyRealFileLoadsWithItsRowCountOrFailsWithAClearReason() {
        List<Expectation> corpus = readExpectations();
        Map<String, byte[]> drops = new LinkedHashMap<>();
        StringBuilder tables = new StringBuilder();
        for (Expectation e : corpus) {
            drops.put(e.key(), resource(e.file()));
            String settings = TABLE_SETTINGS.get(e.file());
            if (settings != null) {
                tables.append("  ").append(DATASET).append('.').append(e.table()).append(":\n    ").append(settings).append('\n');
            }
        }
        ChuteHome h = start(tables.isEmpty() ? "" : "tables:\n" + tables);
        h.dropAll(drops);

        try {
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(250))
                    .until(() -> corpus.stream().allMatch(e -> outcome(h, e).isPresent()));
        } catch (ConditionTimeoutException timedOut) {
            // each file that did not settle is reported below with what Chute says about it
        }

        List<Mismatch> mismatches = new ArrayList<>();
        for (Expectation e : corpus) {
            check(h, e, mismatches);
        }
        if (!mismatches.isEmpty()) {
            fail(report(corpus.size(), mismatches));
        }
    }

    private void check(ChuteHome h, Expectation e, List<Mismatch> out) {
        String expected = e.expectedText();
        Optional<String> outcome = outcome(h, e);
        if (outcome.isEmpty()) {
            String retrying = h.chute().pipeline().map(p -> p.retrying().get(e.key())).map(LoadError::reason).map(r -> "retrying: " + r)
                    .orElse("still in landing");
            out.add(new Mismatch(e.file(), expected, "not settled after " + SETTLE.toSeconds() + " s", "hang: " + retrying));
            return;
        }
        if (outcome.get().equals("archived")) {
            checkCommitted(h, e, out);
        } else {
            checkFailed(h, e, out);
        }
    }

    private void checkCommitted(ChuteHome h, Expectation e, List<Mismatch> out) {
        long ledger = h.ledgerRows(e.key());
        Optional<Long> count = count(h, e);
        OptionalInt columns = columns(h, e);
        String actual = "loaded: ledger " + ledger + ", table " + count.map(String::valueOf).orElse("(missing)")
                + (columns.isPresent() ? " x " + columns.getAsInt() : "");
        List<String> problems = new ArrayList<>();
        if (e.fails() && !e.file().equals("duckdb/encodings__only_utf16.csv")) {
            problems.add("committed a file that is not valid in the table's encoding");
        } else if (e.fails()) {
            // issue 11 item 10 allows UTF-16 to be detected instead of failed: then every row must be there
            if (ledger != e.rows() || count.orElse(-1L) != e.rows()) {
                problems.add("UTF-16 loaded with the wrong row count");
            }
        } else {
            if (ledger != e.rows()) {
                problems.add(ledger < e.rows() ? "silent loss: ledger has " + (e.rows() - ledger) + " rows fewer" : "ledger has extra rows");
            }
            if (count.isEmpty() && e.rows() > 0) {
                problems.add("table missing");
            } else if (count.isPresent() && count.get() != e.rows()) {
                problems.add(count.get() < e.rows() ? "silent loss: table has " + (e.rows() - count.get()) + " rows fewer" : "table has extra rows");
            }
            if (e.columns().isPresent() && columns.isPresent() && columns.getAsInt() != e.columns().getAsInt()) {
                problems.add("table has " + columns.getAsInt() + " columns, the file " + e.columns().getAsInt());
            }
        }
        if (!problems.isEmpty()) {
            out.add(new Mismatch(e.file(), e.expectedText(), actual, String.join("; ", problems)));
        }
    }

    private void checkFailed(ChuteHome h, Expectation e, List<Mismatch> out) {
        JsonNode sidecar = sidecar(h, e);
        String reason = sidecar.path("reason").asText("");
        String kind = sidecar.path("kind").asText("?");
        JsonNode lineNode = sidecar.path("line");
        String actual = "failed " + kind + (lineNode.isNumber() ? " line " + lineNode.asLong() : "") + ": " + reason;
        List<String> problems = new ArrayList<>();
        String allowed = expectedFailures().get(e.file());
        if (!e.fails() && allowed != null) {
            if (!reason.contains(allowed)) {
                problems.add("an accepted failure whose reason does not say '" + allowed + "'");
            }
            String fileName = e.key().substring(e.key().lastIndexOf('/') + 1);
            if (!reason.contains(e.key()) && !reason.contains(fileName)) {
                problems.add("reason does not name the file");
            }
        } else if (!e.fails()) {
            problems.add("failed a file the reader loads");
        } else {
            String fileName = e.key().substring(e.key().lastIndexOf('/') + 1);
            if (!reason.contains(e.key()) && !reason.contains(fileName)) {
                problems.add("reason does not name the file");
            }
            Demand demand = DEMANDS.get(e.file());
            if (demand != null) {
                problems.addAll(demand.check(reason, lineNode));
            }
        }
        String lower = reason.toLowerCase(Locale.ROOT);
        for (String path : internalPaths(h)) {
            if (reason.contains(path)) {
                problems.add("reason shows an internal path (" + path + ")");
                break;
            }
        }
        for (String advice : ENGINE_ADVICE) {
            if (lower.contains(advice)) {
                problems.add("reason shows engine advice ('" + advice + "')");
                break;
            }
        }
        long ledger = h.ledgerRows(e.key());
        Optional<Long> count = count(h, e);
        if (ledger >= 0 || count.orElse(0L) > 0) {
            problems.add("half-loaded: ledger " + ledger + ", table " + count.orElse(0L) + " rows of a failed file");
        }
        if (!problems.isEmpty()) {
            out.add(new Mismatch(e.file(), e.expectedText(), actual, String.join("; ", problems)));
        }
    }

    private List<String> internalPaths(ChuteHome h) {
        return List.of("/.chute/", "/stage/", h.home().toString(), tmp.toString(), System.getProperty("java.io.tmpdir"));
    }

    /** {@code archived}, {@code failed}, or empty while the file is still in landing. */
    private static Optional<String> outcome(ChuteHome h, Expectation e) {
        if (Files.exists(h.archive(e.key())) && !Files.exists(h.landing(e.key()))) {
            return Optional.of("archived");
        }
        if (failedSidecar(h, e).isPresent() && !Files.exists(h.landing(e.key()))) {
            return Optional.of("failed");
        }
        return Optional.empty();
    }

    /** The sidecar of the file's failure: its table's folder in failed/ holds only this file (and maybe a renamed version). */
    private static Optional<Path> failedSidecar(ChuteHome h, Expectation e) {
        Path exact = h.failed(e.key() + ".error.json");
        if (Files.exists(exact) && Files.exists(h.failed(e.key()))) {
            return Optional.of(exact);
        }
        Path folder = h.failed(DATASET + "/" + e.table());
        if (!Files.isDirectory(folder)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".error.json"))
                    .filter(p -> Files.exists(Path.of(p.toString().substring(0, p.toString().length() - ".error.json".length()))))
                    .findFirst();
        } catch (IOException ex) {
            return Optional.empty();
        }
    }

    private static JsonNode sidecar(ChuteHome h, Expectation e) {
        try {
            return JSON.readTree(failedSidecar(h, e).orElseThrow().toFile());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static Optional<Long> count(ChuteHome h, Expectation e) {
        try {
            return Optional.of(h.count(DATASET + "." + e.table()));
        } catch (RuntimeException noTable) {
            return Optional.empty();
        }
    }

    /** Columns of the table other than Chute's lineage columns. */
    private static OptionalInt columns(ChuteHome h, Expectation e) {
        try {
            return OptionalInt.of((int) h.query("SELECT * FROM " + DATASET + "." + e.table() + " LIMIT 0").columns().stream()
                    .filter(c -> !c.name().startsWith("_chute_")).count());
        } catch (RuntimeException noTable) {
            return OptionalInt.empty();
        }
    }

    private static String report(int files, List<Mismatch> mismatches) {
        int fileWidth = Math.max(4, mismatches.stream().mapToInt(m -> m.file().length()).max().orElse(0));
        int expectedWidth = Math.max(8, mismatches.stream().mapToInt(m -> m.expected().length()).max().orElse(0));
        StringBuilder b = new StringBuilder();
        b.append(mismatches.size()).append(" of ").append(files).append(" real-world files do not match realworld/expected.tsv:\n");
        b.append(String.format("%-" + fileWidth + "s | %-" + expectedWidth + "s | %s%n", "file", "expected", "problem -- actual"));
        for (Mismatch m : mismatches) {
            String actual = m.actual().replace('\n', ' ');
            if (actual.length() > 400) {
                actual = actual.substring(0, 400) + "...";
            }
            b.append(String.format("%-" + fileWidth + "s | %-" + expectedWidth + "s | %s -- %s%n", m.file(), m.expected(), m.problem(), actual));
        }
        return b.toString();
    }

    private static List<Expectation> readExpectations() {
        String text = new String(resource("expected.tsv"), StandardCharsets.UTF_8);
        List<Expectation> out = new ArrayList<>();
        String[] lines = text.split("\n");
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            String[] f = lines[i].split("\t", -1);
            Matcher cols = COLUMNS.matcher(f[3]);
            out.add(new Expectation(f[0], Long.parseLong(f[1]), f[2].equals("fail"),
                    cols.find() ? OptionalInt.of(Integer.parseInt(cols.group(1))) : OptionalInt.empty(), out.size()));
        }
        if (out.size() != 60) {
            throw new IllegalStateException("expected.tsv lists " + out.size() + " files, the corpus has 60");
        }
        String only = System.getProperty(ONLY, "");
        if (!only.isEmpty()) {
            Pattern wanted = Pattern.compile(only);
            List<Expectation> some = out.stream().filter(e -> wanted.matcher(e.file()).find()).toList();
            if (some.isEmpty()) {
                throw new IllegalStateException("-D" + ONLY + "=" + only + " matches no file of the corpus");
            }
            return some;
        }
        return out;
    }

    private static byte[] resource(String name) {
        try (InputStream in = RealWorldCorpusContract.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("corpus file " + RESOURCES + name + " is not on the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One line of expected.tsv; {@code rows} counts data rows (for a failing file: as read in its real encoding). */
    private record Expectation(String file, long rows, boolean fails, OptionalInt columns, int index) {
        Expectation {
            requireNonNull(file, "file is null");
        }

        /** One table per file, named after it: {@code f07_auto__backslash_escape}. */
        String table() {
            String name = file.substring(file.lastIndexOf('/') + 1);
            name = name.substring(0, name.indexOf('.')).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
            String table = String.format("f%02d_%s", index, name);
            return table.length() > 48 ? table.substring(0, 48) : table;
        }

        /** The landing key: {@code realworld/<table>/<the file's own name>}. */
        String key() {
            return DATASET + "/" + table() + "/" + file.substring(file.lastIndexOf('/') + 1);
        }

        String expectedText() {
            return (fails ? "fail" : "load " + rows) + (columns.isPresent() && !fails ? " x " + columns.getAsInt() : "");
        }
    }

    private record Mismatch(String file, String expected, String actual, String problem) {
    }

    /** What an expected failure's reason must say besides the file's name. */
    private record Demand(OptionalInt line, Optional<String> word) {
        static Demand line(int line) {
            return new Demand(OptionalInt.of(line), Optional.empty());
        }

        static Demand word(String word) {
            return new Demand(OptionalInt.empty(), Optional.of(word));
        }

        List<String> check(String reason, JsonNode lineNode) {
            List<String> problems = new ArrayList<>();
            if (line.isPresent()) {
                int n = line.getAsInt();
                if (!Pattern.compile("\\bline " + n + "\\b", Pattern.CASE_INSENSITIVE).matcher(reason).find()) {
                    problems.add("reason does not name line " + n);
                }
                if (!lineNode.isNumber() || lineNode.asLong() != n) {
                    problems.add("error.json line is " + (lineNode.isNumber() ? lineNode.asLong() : "null") + ", not " + n);
                }
            }
            if (word.isPresent() && !reason.toUpperCase(Locale.ROOT).contains(word.get().toUpperCase(Locale.ROOT))) {
                problems.add("reason does not say " + word.get());
            }
            return problems;
        }
    }
}
