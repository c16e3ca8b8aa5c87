package dev.chute.duckdb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.FileFormat;
import dev.chute.spi.FileOutcome;
import dev.chute.spi.LedgerEntry;
import dev.chute.spi.LoadBatch;
import dev.chute.spi.LoadError;
import dev.chute.spi.LoadFile;
import dev.chute.spi.ObjectVersion;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSpec;
import dev.chute.spi.Warehouse;
import dev.chute.sql.CsvEscapes;
import dev.chute.sql.CsvLine;
import dev.chute.sql.CsvQuoting;
import dev.chute.sql.CsvRecords;
import dev.chute.sql.DeclaredColumns;
import dev.chute.sql.DuckDbReading;
import dev.chute.sql.HeaderGuess;
import dev.chute.sql.JsonNumbers;
import dev.chute.sql.JsonTypes;
import dev.chute.sql.TextHead;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import org.duckdb.DuckDBConnection;

/**
 * One batch into one table, in one transaction: dedup against the ledger, create or evolve the
 * table, insert every file's rows with DuckDB reading the files, write ledger entries, check that no
 * file changed, commit. A file that fails is split out and the rest is tried again, so one bad file
 * never blocks the others.
 *
 * <p>Types: a new table takes the types DuckDB's sniffer infers from a sample, and then every value
 * of every file must fit them, or the load falls back to inferring from every row of every file
 * ({@code sample_size=-1}), where a column is numeric only if all its values are. Zero-padded numbers
 * stay text (the sniffer never makes them numbers). DOUBLE columns are guarded so that a value
 * with more significant digits than a DOUBLE keeps is never rounded, and TIMESTAMPTZ columns so
 * that text which is not a timestamp fails instead of becoming NULL.
 */
final class DuckDbLoad {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FILE_COLUMN = "_chute_file";
    private static final String DOUBLE = "DOUBLE";

    private final DuckDbWarehouse warehouse;
    private final DuckDBConnection c;
    private final LoadBatch batch;
    private final Warehouse.FileCheck stillValid;
    private final TableId table;
    private final TableSpec spec;
    private final Map<LoadFile, FileOutcome> decided = new LinkedHashMap<>();
    /** Columns of a new table that must be text after a guarded value did not fit a number. */
    private final Set<String> forceText = new HashSet<>();
    /** Existing columns to widen to text (on_type_conflict: widen). */
    private final Set<String> widen = new HashSet<>();
    private boolean fullSniff;
    private final long startedNanos = System.nanoTime();
    /** Sniffing runs outside the load's transaction: a file the sniffer chokes on must not abort it. */
    private DuckDBConnection sniffer;
    private final Map<LoadFile, TextHead> heads = new HashMap<>();
    /**
     * The files of the batch as they are read: each file escaped outside quotes is replaced by its
     * un-escaped copy ({@link #unescapeIfEscaped}); outcomes and change checks go to the original.
     */
    private List<LoadFile> loadFiles;
    private final Map<LoadFile, Unescaped> unescaped = new HashMap<>();
    private final Map<LoadFile, LoadFile> copies = new HashMap<>();

    /** The un-escaped copy of {@code original} (a delimited file escaped outside quotes), and how the original is split. */
    private record Unescaped(LoadFile original, char delimiter, char escape, TableSpec readSpec) {
    }

    DuckDbLoad(DuckDbWarehouse warehouse, LoadBatch batch, Warehouse.FileCheck stillValid) {
        this.warehouse = warehouse;
        this.c = warehouse.connection();
        this.batch = batch;
        this.stillValid = stillValid;
        this.table = batch.table();
        this.spec = batch.spec();
        this.loadFiles = batch.files();
    }

    List<FileOutcome> run() {
        try {
            return runAll();
        } finally {
            try (Statement s = c.createStatement()) {
                s.execute("DELETE FROM chute_staged_files WHERE load_id = " + Sql.literal(batch.loadId()));
            } catch (SQLException e) {
                // scratch rows of a temporary table; they go with the connection
            }
            if (sniffer != null) {
                try {
                    sniffer.close();
                } catch (SQLException e) {
                    // read-only helper connection; nothing to keep
                }
            }
        }
    }

    /**
     * Writes the batch's files (staged path, key, checksum, size) to the temporary table
     * {@code chute_staged_files} with DuckDB's appender, before the load transaction starts: the
     * insert, the ledger and the failure bookkeeping then join that table instead of parsing long
     * VALUES lists. A temporary table is private to the connection and not logged, so appending
     * costs no disk write; the rows are deleted when the load ends.
     */
    private void registerFiles(List<LoadFile> files) {
        try (org.duckdb.DuckDBAppender appender = c.createAppender("temp", "main", "chute_staged_files")) {
            for (LoadFile f : files) {
                appender.beginRow();
                appender.append(batch.loadId());
                appender.append(f.path().toString());
                appender.append(f.version().key());
                appender.append(f.version().checksum());
                appender.append(f.version().size());
                appender.endRow();
            }
        } catch (SQLException e) {
            throw DuckDbWarehouse.unavailable("cannot register the files of load " + batch.loadId(), e);
        }
    }

    private String stagedFiles() {
        return "(SELECT path, object_key, checksum, bytes FROM chute_staged_files WHERE load_id = " + Sql.literal(batch.loadId()) + ")";
    }

    private DuckDBConnection sniffer() throws SQLException {
        if (sniffer == null) {
            sniffer = (DuckDBConnection) c.duplicate();
        }
        return sniffer;
    }

    private List<FileOutcome> runAll() {
        List<LoadFile> files = new ArrayList<>();
        // first lines of every file, read in parallel: opening a thousand small files is I/O-bound
        Map<LoadFile, Object> peeked = new java.util.concurrent.ConcurrentHashMap<>();
        Map<LoadFile, String> utf16s = new java.util.concurrent.ConcurrentHashMap<>();
        batch.files().parallelStream().filter(f -> f.format().kind() != FileFormat.Kind.PARQUET && f.format().kind() != FileFormat.Kind.AVRO).forEach(f -> {
            try {
                FilePeek.utf16(f.path(), f.format().compression()).ifPresent(order -> utf16s.put(f, order));
                TextHead head = FilePeek.head(f.path(), f.format(), spec.encoding());
                peeked.put(f, head);
                if (isDelimited(f)) {
                    char escape = CsvEscapes.unquotedEscape(spec, f.format().kind(), head);
                    unquotedEscapes.put(f, escape);
                    if (escape == CsvQuoting.NONE) {
                        // read as it is (no un-escaped copy): its dialect decisions are made here, in parallel, once
                        headerOnlyMemo.put(f, HeaderGuess.headerOnly(spec, f.format().kind(), head));
                        groupKeys.put(f, delimitedGroupKey(f, spec, head, false));
                    }
                }
            } catch (IOException e) {
                peeked.put(f, e);
            }
        });
        for (LoadFile f : batch.files()) {
            if (f.format().kind() == FileFormat.Kind.AVRO) {
                decided.put(f, FileOutcome.failed(f, avroRefused(f)));
                continue;
            }
            Optional<LoadError> wide = f.format().kind() == FileFormat.Kind.PARQUET ? wideDecimal(f)
                    : f.format().kind() == FileFormat.Kind.JSON ? roundedJsonNumber(f) : Optional.empty();
            if (wide.isPresent()) {
                decided.put(f, FileOutcome.failed(f, wide.get()));
                continue;
            }
            Object head = peeked.get(f);
            Optional<String> utf16 = Optional.ofNullable(utf16s.get(f));
            if (utf16.isPresent() && !charset().equals(java.nio.charset.StandardCharsets.UTF_16)) {
                // issue 11 item 10: UTF-16 is named as such, not reported as the bytes it makes invalid
                decided.put(f, FileOutcome.failed(f, new LoadError(ErrorCode.ENCODING, f.version().key() + " line 1: expected "
                        + DuckDbReading.encoding(spec.encoding()) + " text (the table's encoding), found UTF-16 (" + utf16.get()
                        + "); set the table's encoding to utf-16 for such files", OptionalLong.of(1), Optional.empty(), Optional.empty(),
                        Optional.of(DuckDbReading.encoding(spec.encoding())))));
                continue;
            }
            if (head instanceof TextHead.InvalidTextException e) {
                // issue 11 item 4: a header is decoded as strictly as the rows below it
                decided.put(f, FileOutcome.failed(f, e.loadError(f.version().key())));
                continue;
            }
            if (head instanceof IOException e) {
                decided.put(f, FileOutcome.failed(f, LoadError.of(ErrorCode.MALFORMED, f.version().key() + ": cannot read the "
                        + f.format().compression().name().toLowerCase(Locale.ROOT) + " content: " + e.getMessage())));
                continue;
            }
            if (head instanceof TextHead h) {
                heads.put(f, h);
                if (isDelimited(f)) {
                    Object read = unescapeIfEscaped(f, h);
                    if (read instanceof LoadError error) {
                        decided.put(f, FileOutcome.failed(f, error));
                        continue;
                    }
                    f = (LoadFile) read;
                }
            }
            files.add(f);
        }
        loadFiles = batch.files().stream().map(f -> copies.getOrDefault(f, f)).toList();
        registerFiles(files);
        settle(files);
        return batch.files().stream().map(f -> {
            LoadFile copy = copies.get(f);
            FileOutcome outcome = decided.get(copy == null ? f : copy);
            return copy == null ? outcome : new FileOutcome(f, outcome.status(), outcome.rows(), outcome.rejectedRows(), outcome.error());
        }).toList();
    }

    /**
     * A delimited file escaped outside quotes (MySQL's {@code SELECT ... INTO OUTFILE}: no quoting,
     * a backslash before a line end or a TAB inside a value), which DuckDB's reader cannot read (its
     * escape works inside quotes only), is read through a copy in standard CSV beside its staged
     * bytes, on the same lines ({@link CsvEscapes#unescape}); its records are still counted in the
     * original. Returns the file to load, or a failure.
     */
    private Object unescapeIfEscaped(LoadFile f, TextHead head) {
        Character known = unquotedEscapes.get(f);
        char escape = known != null ? known : CsvEscapes.unquotedEscape(spec, f.format().kind(), head);
        if (escape == CsvQuoting.NONE) {
            return f;
        }
        char delimiter = f.format().kind() == FileFormat.Kind.TSV ? '\t'
                : spec.delimiter().map(d -> d.charAt(0)).orElseGet(() -> CsvLine.guessDelimiter(head.firstLine(), CsvQuoting.NONE));
        Path copy = f.path().resolveSibling(f.path().getFileName() + ".unescaped.csv");
        try {
            try (java.io.InputStream in = FilePeek.open(f.path(), f.format().compression());
                 java.io.OutputStream out = java.nio.file.Files.newOutputStream(copy)) {
                CsvEscapes.unescape(in, out, charset(), delimiter, escape);
            }
            LoadFile read = new LoadFile(f.version(), Optional.of(copy), Optional.empty(), new FileFormat(f.format().kind(), FileFormat.Compression.NONE),
                    f.continuation());
            try (java.io.InputStream in = java.nio.file.Files.newInputStream(copy)) {
                heads.put(read, TextHead.read(in, spec.encoding(), '"'));
            }
            unescaped.put(read, new Unescaped(f, delimiter, escape, spec.withDialect(String.valueOf(delimiter), "\"", TableSpec.NO_ESCAPE)));
            copies.put(f, read);
            return read;
        } catch (IllegalArgumentException e) {
            return LoadError.of(ErrorCode.UNSUPPORTED_FORMAT, f.version().key() + ": expected a utf-8 or latin-1 file to read escapes outside quotes"
                    + " (escape " + escape + " without quoting), found encoding " + DuckDbReading.encoding(spec.encoding()));
        } catch (IOException e) {
            return LoadError.of(ErrorCode.MALFORMED, f.version().key() + ": cannot read the "
                    + f.format().compression().name().toLowerCase(Locale.ROOT) + " content: " + e.getMessage());
        }
    }

    /** The table's settings as a file is read with: those of the table, or the standard CSV of an un-escaped copy. */
    private TableSpec readSpec(LoadFile f) {
        Unescaped u = unescaped.get(f);
        return u == null ? spec : u.readSpec;
    }

    /** The batch's file for a file as it is read: the original of an un-escaped copy. */
    private LoadFile original(LoadFile f) {
        Unescaped u = unescaped.get(f);
        return u == null ? f : u.original;
    }

    /**
     * Tries parts of the batch until every file is decided, without recursion and with a bounded
     * number of attempts: each attempt commits its part, decides at least one file, learns one more
     * thing about the types (full inference once, one more column as text or widened), or splits
     * its part in two. The first three are bounded by the files and the columns, and splitting by
     * the files, so the loop ends; the cap is a second line of defence that fails what is left with
     * the last error rather than trying forever (issue 11 item 8).
     */
    private void settle(List<LoadFile> files) {
        java.util.Deque<List<LoadFile>> work = new java.util.ArrayDeque<>();
        work.push(files);
        int attempts = 0;
        while (!work.isEmpty()) {
            List<LoadFile> part = work.peek().stream().filter(f -> !decided.containsKey(f)).toList();
            if (part.isEmpty()) {
                work.pop();
                continue;
            }
            if (attempts++ >= 3 * files.size() + 16 + forceText.size() + widen.size()) {
                for (LoadFile f : part) {
                    decided.put(f, FileOutcome.failed(f, LoadError.of(ErrorCode.MALFORMED, f.version().key() + ": gave up after " + (attempts - 1)
                            + " attempts to load it with the other files of its batch; last error: " + lastError)));
                }
                work.pop();
                continue;
            }
            Attempt attempt = attempt(part, part.size() == files.size() ? batch.loadId() : batch.loadId() + "-" + loadFiles.indexOf(part.get(0)));
            if (attempt == Attempt.DONE) {
                work.pop();
            } else if (attempt == Attempt.SPLIT) {
                work.pop();
                int half = part.size() / 2;
                work.push(part.subList(half, part.size()));
                work.push(part.subList(0, half));
            }
        }
    }

    private String lastError = "";

    /** What an attempt leaves to do with its part: nothing, the undecided rest again, or each half on its own. */
    private enum Attempt { DONE, AGAIN, SPLIT }

    /**
     * A Parquet decimal column wider than DuckDB's DECIMAL (38 digits) is read by DuckDB only as an
     * approximate DOUBLE (and DuckDB 1.4 misreads some such values outright); the file fails naming
     * the column, since its digits cannot be kept (issue 11 item 5). A file whose schema cannot be
     * read is left to the load, which reports why.
     */
    private Optional<LoadError> wideDecimal(LoadFile f) {
        String sql = "SELECT name, precision, scale FROM parquet_schema(" + Sql.literal(f.path()) + ") WHERE precision > 38"
                + " AND (converted_type = 'DECIMAL' OR logical_type LIKE 'DecimalType%') LIMIT 1";
        try (Statement s = sniffer().createStatement(); ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next()) {
                return Optional.empty();
            }
            String column = rs.getString(1);
            String type = "DECIMAL(" + rs.getInt(2) + "," + rs.getInt(3) + ")";
            return Optional.of(new LoadError(ErrorCode.UNSUPPORTED_FORMAT, f.version().key() + ": column \"" + column + "\" is " + type
                    + " in the Parquet file; expected a decimal of at most 38 digits: DuckDB keeps wider decimals only as approximate DOUBLE"
                    + " values, and Chute does not round values (write the column as a string, or with at most 38 digits)", OptionalLong.empty(),
                    Optional.of(column), Optional.empty(), Optional.of("DECIMAL of at most 38 digits")));
        } catch (SQLException e) {
            return Optional.empty();
        }
    }

    /**
     * DuckDB reads Avro only through its {@code avro} extension, which the JDBC driver does not
     * carry built in (unlike {@code parquet} and {@code json}) and which Chute does not download.
     */
    static LoadError avroRefused(LoadFile f) {
        return LoadError.of(ErrorCode.UNSUPPORTED_FORMAT, f.version().key() + ": warehouse duckdb cannot load Avro (its avro extension is not built into"
                + " the embedded DuckDB); expected CSV, TSV, JSON or Parquet, found an .avro file. Warehouse bigquery loads Avro;"
                + " for duckdb, convert the file to Parquet");
    }

    private Attempt attempt(List<LoadFile> files, String loadId) {
        List<Path> paths = files.stream().map(LoadFile::path).toList();
        try {
            c.setAutoCommit(false);
            Map<LoadFile, Long> rows = loadInTransaction(files, loadId);
            List<LoadFile> changed = files.stream().filter(f -> rows.containsKey(f) && !stillValid.unchanged(original(f))).toList();
            if (!changed.isEmpty()) {
                c.rollback();
                for (LoadFile f : changed) {
                    decided.put(f, FileOutcome.failed(f, LoadError.of(ErrorCode.CHANGED_WHILE_LOADING,
                            f.version().key() + " changed while it was being loaded; it is loaded again once it is quiet")));
                }
                return Attempt.AGAIN;
            }
            c.commit();
            for (LoadFile f : files) {
                if (!decided.containsKey(f)) {
                    Long n = rows.get(f);
                    decided.put(f, n == null ? FileOutcome.duplicate(f) : FileOutcome.committed(f, n, rejected.getOrDefault(f, 0L)));
                }
            }
            return Attempt.DONE;
        } catch (SQLException e) {
            rollbackQuietly();
            lastError = DuckDbErrors.firstLine(String.valueOf(e.getMessage()));
            if (e instanceof FilesFailed) {
                return Attempt.AGAIN;
            }
            if (DuckDbErrors.warehouseTrouble(e)) {
                throw DuckDbWarehouse.unavailable("loading into " + table + " failed", e);
            }
            Optional<Path> blamed = DuckDbErrors.blamedFile(e, paths);
            Optional<LoadFile> file = blamed.flatMap(p -> files.stream().filter(f -> f.path().equals(p)).findFirst());
            if (file.isEmpty() && files.size() == 1) {
                file = Optional.of(files.get(0));
            }
            if (DuckDbErrors.isConversion(e) && tableCreatedByThisLoad && !configured(DuckDbErrors.column(e))) {
                // the sample misled the type inference: infer from every value instead
                if (!fullSniff) {
                    fullSniff = true;
                    DuckDbErrors.column(e).filter(col -> e.getMessage().contains(DuckDbErrors.GUARD_PREFIX)).ifPresent(forceText::add);
                    return Attempt.AGAIN;
                }
                Optional<String> column = DuckDbErrors.column(e);
                if (column.isPresent() && forceText.add(column.get())) {
                    return Attempt.AGAIN;
                }
            }
            if (DuckDbErrors.isConversion(e) && !tableCreatedByThisLoad && spec.onTypeConflict() == TableSpec.OnTypeConflict.WIDEN) {
                Optional<String> column = DuckDbErrors.column(e);
                if (column.isPresent() && widen.add(column.get().toLowerCase(Locale.ROOT))) {
                    return Attempt.AGAIN;
                }
            }
            if (file.isPresent()) {
                LoadFile f = file.get();
                decided.put(f, FileOutcome.failed(f, DuckDbErrors.describe(f.version().key(), e, locate(f, e))));
                return Attempt.AGAIN;
            }
            if (files.size() > 1) {
                // the error names no file: the halves are tried on their own
                return Attempt.SPLIT;
            }
            throw new ChuteException(ErrorCode.INTERNAL, "loading into " + table + " failed: " + DuckDbErrors.firstLine(String.valueOf(e.getMessage())), e);
        } finally {
            try {
                c.setAutoCommit(true);
            } catch (SQLException e) {
                // the next attempt reports the connection's trouble
            }
        }
    }

    private boolean tableCreatedByThisLoad;

    /** Whether the table's configuration gives the column's type: inference cannot change it, so a value that does not fit fails at once. */
    private boolean configured(Optional<String> column) {
        return column.isPresent() && spec.columnTypes().keySet().stream().anyMatch(k -> k.equalsIgnoreCase(column.get()));
    }
    private final Map<LoadFile, Long> rejected = new HashMap<>();

    /** Everything of one attempt, inside the open transaction. Returns rows per loaded file. */
    private Map<LoadFile, Long> loadInTransaction(List<LoadFile> files, String loadId) throws SQLException {
        tableCreatedByThisLoad = false;
        rejected.clear();
        expectedRows.clear();
        Set<String> alreadyPaths = new HashSet<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT m.path FROM " + stagedFiles()
                + " m JOIN _chute.ledger l ON l.object_key = m.object_key AND l.checksum = m.checksum")) {
            while (rs.next()) {
                alreadyPaths.add(rs.getString(1));
            }
        }
        List<LoadFile> toLoad = files.stream().filter(f -> !alreadyPaths.contains(f.path().toString())).toList();
        Map<LoadFile, Long> rows = new LinkedHashMap<>();
        List<LoadFile> withData = new ArrayList<>();
        for (LoadFile f : toLoad) {
            TextHead head = heads.get(f);
            // issue 11 item 1: a lone line is a header without rows only if it looks like one, before any sniffing
            boolean headerOnly = head != null && isDelimited(f)
                    && headerOnlyMemo.computeIfAbsent(f, g -> HeaderGuess.headerOnly(readSpec(g), g.format().kind(), heads.get(g)));
            if (head != null && (head.empty() || headerOnly)) {
                rows.put(f, 0L);
            } else {
                withData.add(f);
            }
        }
        if (!withData.isEmpty()) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA IF NOT EXISTS " + Sql.ident(table.dataset()));
            }
            boolean exists = tableColumns().size() > 0;
            // a file that grew keeps the rows of its committed prefix: only what was appended is added
            List<LoadFile> replacing = withData.stream().filter(f -> !f.continuation()).toList();
            if (spec.onOverwrite() == TableSpec.OnOverwrite.REPLACE && exists && !replacing.isEmpty()) {
                replacePreviousVersions(replacing);
            }
            for (List<LoadFile> group : groups(withData)) {
                loadGroup(group, loadId);
            }
            countRows(withData, rows, loadId);
            checkEveryRecordLoaded(rows);
        }
        writeLedger(rows, loadId);
        return rows;
    }

    private static boolean isDelimited(LoadFile f) {
        return f.format().kind() == FileFormat.Kind.CSV || f.format().kind() == FileFormat.Kind.TSV;
    }

    /** Files that can be read by one reader call: same format and, for CSV, the same header line. */
    private List<List<LoadFile>> groups(List<LoadFile> files) {
        // each file's dialect decisions read its head: decided once per file, in parallel, and kept across attempts
        files.parallelStream().filter(f -> !groupKeys.containsKey(f)).forEach(f -> groupKeys.put(f, groupKey(f)));
        Map<String, List<LoadFile>> groups = new LinkedHashMap<>();
        for (LoadFile f : files) {
            groups.computeIfAbsent(groupKeys.get(f), k -> new ArrayList<>()).add(f);
        }
        return new ArrayList<>(groups.values());
    }

    private final Map<LoadFile, String> groupKeys = new java.util.concurrent.ConcurrentHashMap<>();
    /** Each delimited file's escape outside quotes, decided while its head is read (in parallel). */
    private final Map<LoadFile, Character> unquotedEscapes = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<LoadFile, Boolean> headerOnlyMemo = new java.util.concurrent.ConcurrentHashMap<>();

    private String groupKey(LoadFile f) {
        return switch (f.format().kind()) {
            case CSV, TSV -> delimitedGroupKey(f, readSpec(f), heads.get(f), unescaped.containsKey(f));
            // JSON documents may differ from file to file; each is read on its own
            case JSON -> "json|" + f.path();
            case PARQUET -> "parquet|" + f.path();
            case AVRO -> throw new IllegalStateException("Avro files are refused before grouping: " + f.version().key());
        };
    }

    private static String delimitedGroupKey(LoadFile f, TableSpec readSpec, TextHead head, boolean unescapedCopy) {
        return f.format() + "|" + CsvQuoting.quote(readSpec, f.format().kind(), head) + "|" + HeaderGuess.header(readSpec, f.format().kind(), head)
                + "|" + unescapedCopy + "|" + head.firstLine();
    }

    /** Column name (lower case) -> declared type, in table order; empty if the table does not exist. */
    private LinkedHashMap<String, Column> tableColumns() throws SQLException {
        LinkedHashMap<String, Column> columns = new LinkedHashMap<>();
        String sql = "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = " + Sql.literal(table.dataset())
                + " AND table_name = " + Sql.literal(table.table()) + " ORDER BY ordinal_position";
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                columns.put(rs.getString(1).toLowerCase(Locale.ROOT), new Column(rs.getString(1), rs.getString(2)));
            }
        }
        return columns;
    }

    private record Column(String name, String type) {
    }

    /** The reader's view of a group: dialect options and columns with sniffed types. */
    private record Shape(String options, List<Column> columns, Optional<CsvRecords.Dialect> dialect) {
        Shape(String options, List<Column> columns) {
            this(options, columns, Optional.empty());
        }
    }

    private Shape sniff(LoadFile first) throws SQLException {
        String path = Sql.literal(first.path());
        return switch (first.format().kind()) {
            case CSV, TSV -> sniffCsv(first, path);
            case JSON -> {
                String options = "format = 'auto'" + (fullSniff ? ", sample_size = -1" : "")
                        + (first.format().compression() == FileFormat.Compression.NONE ? "" : compression(first));
                String relation = "read_json(" + path + ", " + options + ")";
                yield new Shape(options, likeCsv(relation, describe(relation)));
            }
            case PARQUET -> new Shape("", describe("read_parquet(" + path + ")"));
            case AVRO -> throw new IllegalStateException("Avro files are refused before sniffing: " + first.version().key());
        };
    }

    /**
     * CSV dialect and columns. The delimiter comes from configuration, the format (TSV) or the
     * header line; DuckDB's sniffer then finds the header, escape, date formats and types. When the
     * sniffer cannot make sense of the file, or its columns disagree with the first line, the file
     * is read with the first line's fields as text columns, so the reader reports the real problem
     * (line, expected vs found) instead of a guess.
     */
    private Shape sniffCsv(LoadFile first, String path) throws SQLException {
        TableSpec spec = readSpec(first);
        TextHead head = heads.get(first);
        char defaultQuote = CsvQuoting.quote(spec, first.format().kind(), head);
        String firstLine = head.firstLine();
        char delimiter = first.format().kind() == FileFormat.Kind.TSV ? '\t'
                : spec.delimiter().map(d -> d.charAt(0)).orElseGet(() -> CsvLine.guessDelimiter(firstLine, defaultQuote));
        char quoteChar = CsvQuoting.askSnifferForQuote(spec, first.format().kind(), head, delimiter) ? sniffedQuote(first, path, delimiter) : defaultQuote;
        List<String> fields = CsvLine.split(firstLine, delimiter, quoteChar);
        // issue 11 item 1: where the file shows which its first line is, the sniffer is told instead of asked
        Optional<Boolean> header = HeaderGuess.header(spec, head, delimiter, quoteChar);
        // a table's escape (or escape: none, the quote doubled) is the reader's inside quoted values; else the sniffer finds it
        Optional<Character> configuredEscape = CsvEscapes.quotedEscape(spec, quoteChar);
        StringBuilder given = new StringBuilder();
        given.append(", quote = ").append(Sql.literal(CsvQuoting.text(quoteChar)));
        configuredEscape.ifPresent(e -> given.append(", escape = ").append(Sql.literal(String.valueOf(e))));
        given.append(", delim = ").append(Sql.literal(String.valueOf(delimiter)));
        header.ifPresent(h -> given.append(", header = ").append(h));
        given.append(", encoding = ").append(Sql.literal(DuckDbReading.encoding(spec.encoding())));
        given.append(compression(first));
        String sql = "SELECT Delimiter, Quote, Escape, HasHeader, to_json(Columns), DateFormat, TimestampFormat FROM sniff_csv(" + path
                + given + ", allow_quoted_nulls = false" + (fullSniff ? ", sample_size = -1" : "") + ")";
        try (Statement s = sniffer().createStatement(); ResultSet rs = sniffLeniently(s, sql, first, delimiter, quoteChar, header, fields.size())) {
            rs.next();
            List<Column> columns = new ArrayList<>();
            try {
                for (JsonNode col : JSON.readTree(rs.getString(5))) {
                    columns.add(new Column(col.get("name").asText(), col.get("type").asText()));
                }
            } catch (IOException e) {
                throw new SQLException("cannot read the sniffed columns: " + e.getMessage(), e);
            }
            if (columns.size() != fields.size()) {
                return textShape(first, fields, delimiter, quoteChar, header);
            }
            StringBuilder options = new StringBuilder();
            options.append("delim = ").append(Sql.literal(String.valueOf(delimiter)));
            options.append(", quote = ").append(Sql.literal(CsvQuoting.text(quoteChar)));
            String escape = configuredEscape.map(String::valueOf).orElse(rs.getString(3));
            options.append(", escape = ").append(Sql.literal(escape == null || escape.equals("(empty)") ? "" : escape));
            options.append(", header = ").append(rs.getBoolean(4));
            String dateFormat = rs.getString(6);
            String timestampFormat = rs.getString(7);
            if (dateFormat != null && !dateFormat.isEmpty() && !dateFormat.equals("(empty)")) {
                options.append(", dateformat = ").append(Sql.literal(dateFormat));
            }
            if (timestampFormat != null && !timestampFormat.isEmpty() && !timestampFormat.equals("(empty)")) {
                options.append(", timestampformat = ").append(Sql.literal(timestampFormat));
            }
            options.append(", encoding = ").append(Sql.literal(DuckDbReading.encoding(spec.encoding())));
            options.append(", allow_quoted_nulls = false, auto_detect = false").append(compression(first));
            char escapeChar = escape == null || escape.equals("(empty)") || escape.isEmpty() ? 0 : escape.charAt(0);
            return new Shape(options.toString(), columns, Optional.of(new CsvRecords.Dialect(delimiter, quoteChar, escapeChar, rs.getBoolean(4), columns.size())));
        } catch (SQLException e) {
            if (DuckDbErrors.warehouseTrouble(e)) {
                throw e;
            }
            return textShape(first, fields, delimiter, quoteChar, header);
        }
    }

    /**
     * The sniffer's result for {@code sql}; when the sniffer fails on a file whose lines end in a
     * mix of CR LF, LF and CR (which DuckDB's strict reader refuses), its result without
     * {@code strict_mode}, for the columns and types only: the file is then read leniently and
     * checked against its own record count ({@link #readLeniently}).
     */
    private ResultSet sniffLeniently(Statement s, String sql, LoadFile f, char delimiter, char quote, Optional<Boolean> header, int columns)
            throws SQLException {
        try {
            return s.executeQuery(sql);
        } catch (SQLException e) {
            if (DuckDbErrors.warehouseTrouble(e) || !mixedLineEnds(f, new CsvRecords.Dialect(delimiter, quote, quote, header.orElse(true), columns))) {
                throw e;
            }
            return s.executeQuery(sql.substring(0, sql.length() - 1) + ", strict_mode = false)");
        }
    }

    /** Whether the records of {@code f} end in more than one way; false when that cannot be read. */
    private boolean mixedLineEnds(LoadFile f, CsvRecords.Dialect d) {
        try {
            return recordCount(f, d).mixedLineEnds();
        } catch (IOException e) {
            return false;
        }
    }

    /** The quote the sniffer finds for a file whose fields start with single quotes: {@code '} if it finds that, else {@code "}. */
    private char sniffedQuote(LoadFile f, String path, char delimiter) {
        String sql = "SELECT Quote FROM sniff_csv(" + path + ", delim = " + Sql.literal(String.valueOf(delimiter)) + ", encoding = "
                + Sql.literal(DuckDbReading.encoding(spec.encoding())) + compression(f) + ", allow_quoted_nulls = false)";
        try (Statement s = sniffer().createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() && "'".equals(rs.getString(1)) ? '\'' : '"';
        } catch (SQLException e) {
            return '"';
        }
    }

    private Shape textShape(LoadFile first, List<String> fields, char delimiter, char quoteChar, Optional<Boolean> guessed) {
        boolean header = guessed.orElse(true);
        char escape = CsvEscapes.quotedEscape(readSpec(first), quoteChar).orElse(quoteChar);
        List<Column> columns = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < fields.size(); i++) {
            String name = header ? fields.get(i).strip() : "";
            if (name.isEmpty() || !seen.add(name.toLowerCase(Locale.ROOT))) {
                name = "column" + i;
                seen.add(name);
            }
            columns.add(new Column(name, "VARCHAR"));
        }
        String options = "delim = " + Sql.literal(String.valueOf(delimiter)) + ", quote = " + Sql.literal(CsvQuoting.text(quoteChar))
                + ", escape = " + Sql.literal(CsvQuoting.text(escape)) + ", header = " + header + ", encoding = "
                + Sql.literal(DuckDbReading.encoding(spec.encoding())) + ", allow_quoted_nulls = false, auto_detect = false" + compression(first);
        return new Shape(options, columns, Optional.of(new CsvRecords.Dialect(delimiter, quoteChar, escape, header, columns.size())));
    }


    private java.nio.charset.Charset charset() {
        return spec.encoding().charset();
    }

    private static String compression(LoadFile f) {
        return DuckDbReading.compressionOption(f.format().compression());
    }

    private List<Column> describe(String relation) throws SQLException {
        List<Column> columns = new ArrayList<>();
        try (Statement s = sniffer().createStatement(); ResultSet rs = s.executeQuery("DESCRIBE SELECT * FROM " + relation)) {
            while (rs.next()) {
                columns.add(new Column(rs.getString(1), rs.getString(2)));
            }
        }
        return columns;
    }

    /** A JSON number the JSON reader would round: the file fails naming it (issue 14 item 1). */
    private static Optional<LoadError> roundedJsonNumber(LoadFile f) {
        try (java.io.InputStream in = FilePeek.open(f.path(), f.format().compression())) {
            return JsonNumbers.first(in).map(r -> JsonNumbers.error(f.version().key(), r));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A JSON file's columns typed as the same values in a CSV file would be (issue 14 item 1). */
    private List<Column> likeCsv(String relation, List<Column> described) throws SQLException {
        List<String> types = JsonTypes.likeCsv(sniffer(), relation, described.stream().map(Column::name).toList(),
                described.stream().map(Column::type).toList(), fullSniff);
        List<Column> columns = new ArrayList<>();
        for (int i = 0; i < described.size(); i++) {
            columns.add(new Column(described.get(i).name(), types.get(i)));
        }
        return columns;
    }

    private void loadGroup(List<LoadFile> group, String loadId) throws SQLException {
        Shape shape = sniff(group.get(0));
        if (fullSniff && group.size() > 1) {
            shape = widenAcross(group, shape);
        }
        LinkedHashMap<String, Column> existing = tableColumns();
        List<String> names = shape.columns.stream().map(col -> col.name).toList();
        Optional<ChuteException> undeclared = DeclaredColumns.missing(table, spec, names, existing.keySet());
        if (undeclared.isPresent()) {
            // every file of a group has the same columns (one header, or one file)
            Map<LoadFile, LoadError> failures = new LinkedHashMap<>();
            for (LoadFile f : group) {
                failures.put(f, LoadError.of(ErrorCode.SCHEMA_CONFLICT, f.version().key() + ": " + undeclared.get().getMessage()));
            }
            throw new FilesFailed(failures);
        }
        List<Column> fileColumns = new ArrayList<>();
        for (Column col : shape.columns) {
            String configured = spec.columnTypes().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(col.name))
                    .map(Map.Entry::getValue).findFirst().orElse(null);
            String type = configured != null ? configured : forceText.contains(col.name) ? "VARCHAR" : col.type;
            fileColumns.add(new Column(col.name, type));
        }
        if (existing.isEmpty()) {
            createTable(fileColumns);
            tableCreatedByThisLoad = true;
            existing = tableColumns();
        } else {
            for (String col : widen) {
                Column current = existing.get(col);
                if (current != null && !current.type.equals("VARCHAR")) {
                    exec("ALTER TABLE " + qualified() + " ALTER COLUMN " + Sql.ident(current.name) + " TYPE VARCHAR");
                }
            }
            for (Column col : fileColumns) {
                if (!existing.containsKey(col.name.toLowerCase(Locale.ROOT))) {
                    exec("ALTER TABLE " + qualified() + " ADD COLUMN " + Sql.ident(col.name) + " " + col.type);
                }
            }
            existing = tableColumns();
        }
        // read every column with the table's type; DOUBLE columns are read as text and cast under a guard
        List<String> readColumns = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        List<String> selects = new ArrayList<>();
        for (Column col : fileColumns) {
            Column target = existing.get(col.name.toLowerCase(Locale.ROOT));
            // JSON numbers too: a DOUBLE column is read as the numbers' text and checked, as in CSV (issue 14 item 1)
            boolean guarded = guarded(target.type) && (isDelimited(group.get(0))
                    || group.get(0).format().kind() == FileFormat.Kind.JSON && target.type.equals(DOUBLE));
            readColumns.add(Sql.literal(col.name) + ": " + Sql.literal(guarded ? "VARCHAR" : target.type));
            targets.add(Sql.ident(target.name));
            String ref = "r." + Sql.ident(col.name);
            selects.add(guarded ? guard(ref, col.name, target.type) : ref);
        }
        countRecords(group, shape);
        if (spec.lineage()) {
            targets.add(Sql.ident(TableSpec.SOURCE_COLUMN));
            targets.add(Sql.ident(TableSpec.LOAD_ID_COLUMN));
            targets.add(Sql.ident(TableSpec.LOADED_AT_COLUMN));
            selects.add("m.object_key");
            selects.add(Sql.literal(loadId));
            selects.add("current_timestamp");
        } else {
            targets.add(Sql.ident(FILE_COLUMN));
            selects.add("m.object_key");
        }
        String into = spec.lineage() ? qualified() : stagingTable();
        if (!spec.lineage()) {
            exec("CREATE TEMP TABLE IF NOT EXISTS " + stagingTable() + " AS SELECT * FROM " + qualified() + " LIMIT 0");
            exec("ALTER TABLE " + stagingTable() + " ADD COLUMN IF NOT EXISTS " + Sql.ident(FILE_COLUMN) + " VARCHAR");
        }
        // files whose lines end in a mix of CR LF, LF and CR are read without strict_mode, apart from the others
        List<LoadFile> strict = group.stream().filter(f -> !readLeniently.contains(f)).toList();
        List<LoadFile> lenient = group.stream().filter(readLeniently::contains).toList();
        for (List<LoadFile> part : List.of(strict, lenient)) {
            if (part.isEmpty()) {
                continue;
            }
            Shape read = part == lenient ? new Shape(shape.options + ", strict_mode = false", shape.columns, shape.dialect) : shape;
            exec("INSERT INTO " + into + " (" + String.join(", ", targets) + ") SELECT " + String.join(", ", selects)
                    + " FROM " + reader(part, read, readColumns) + " r JOIN " + stagedFiles() + " m ON r." + Sql.ident(FILE_COLUMN) + " = m.path");
            if (spec.maxBadRows() > 0 && isDelimited(part.get(0))) {
                collectRejects(part, loadId);
            }
        }
    }

    /** With full inference over several files, a column whose types differ between files becomes text (or DOUBLE for numbers). */
    private Shape widenAcross(List<LoadFile> group, Shape first) throws SQLException {
        Map<String, String> types = new LinkedHashMap<>();
        first.columns.forEach(col -> types.put(col.name, col.type));
        for (LoadFile f : group.subList(1, group.size())) {
            for (Column col : sniff(f).columns) {
                types.merge(col.name, col.type, (a, b) -> a.equals(b) ? a
                        : Set.of(a, b).equals(Set.of("BIGINT", DOUBLE)) ? DOUBLE : "VARCHAR");
            }
        }
        List<Column> merged = new ArrayList<>();
        types.forEach((name, type) -> merged.add(new Column(name, type)));
        return new Shape(first.options, merged, first.dialect);
    }

    private String reader(List<LoadFile> group, Shape shape, List<String> readColumns) {
        String paths = group.stream().map(f -> f.path().toString()).collect(Collectors.collectingAndThen(Collectors.toList(), Sql::list));
        String columns = "columns = {" + String.join(", ", readColumns) + "}";
        String rejects = spec.maxBadRows() > 0 ? ", store_rejects = true, rejects_table = 'chute_reject_errors', rejects_scan = 'chute_reject_scans'" : "";
        return switch (group.get(0).format().kind()) {
            case CSV, TSV -> "read_csv(" + paths + ", " + shape.options + ", " + columns + ", filename = '" + FILE_COLUMN + "'" + rejects + ")";
            case JSON -> "read_json(" + paths + ", " + shape.options + ", " + columns + ", filename = '" + FILE_COLUMN + "')";
            case PARQUET -> "(SELECT " + readColumns.stream().map(rc -> {
                String name = rc.substring(0, rc.indexOf(": "));
                String type = rc.substring(rc.indexOf(": ") + 2);
                String ident = Sql.ident(name.substring(1, name.length() - 1).replace("''", "'"));
                return "CAST(" + ident + " AS " + type.substring(1, type.length() - 1) + ") AS " + ident;
            }).collect(Collectors.joining(", ")) + ", filename AS " + FILE_COLUMN + " FROM read_parquet(" + paths + ", filename = true))";
            case AVRO -> throw new IllegalStateException("Avro files are refused before reading: " + group.get(0).version().key());
        };
    }

    /**
     * Types the CSV reader would not check strictly enough: DOUBLE rounds away digits beyond 15, and
     * DuckDB's reader turns text that is not a timestamp into NULL for TIMESTAMPTZ columns instead
     * of failing. Such columns are read as text and cast under a guard that raises an error naming
     * the column, the type and the value.
     */
    private static boolean guarded(String type) {
        return type.equals(DOUBLE) || isTimestampTz(type) || isDecimal(type);
    }

    private static final java.util.regex.Pattern DECIMAL = java.util.regex.Pattern.compile("(?:DECIMAL|NUMERIC)\\((\\d+),\\s*(\\d+)\\)");

    /** A decimal type with its precision and scale, as information_schema names it: {@code DECIMAL(10,2)}. */
    private static boolean isDecimal(String type) {
        return DECIMAL.matcher(type).matches();
    }

    /**
     * SQL that is true when a numeric text has more decimals than the scale of decimal {@code type}
     * (trailing zeros aside), so that casting it would round: DuckDB's cast rounds {@code 1.234} to
     * {@code 1.23} in a {@code DECIMAL(10,2)} (issue 11 item 3). A value in exponent notation is
     * compared with its double.
     */
    private static String tooManyDecimals(String ref, String type) {
        java.util.regex.Matcher m = DECIMAL.matcher(type);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a decimal type: " + type);
        }
        int scale = Integer.parseInt(m.group(2));
        return "(length(rtrim(regexp_extract(trim(" + ref + "), '^[-+]?[0-9]*\\.([0-9]+)$', 1), '0')) > " + scale
                + " OR (regexp_matches(" + ref + ", '[eE]') AND TRY_CAST(TRY_CAST(" + ref + " AS " + type + ") AS DOUBLE)"
                + " IS DISTINCT FROM TRY_CAST(" + ref + " AS DOUBLE)))";
    }

    private static boolean isTimestampTz(String type) {
        return type.equals("TIMESTAMP WITH TIME ZONE") || type.equals("TIMESTAMPTZ");
    }

    private static String guard(String ref, String column, String type) {
        String raise = "error(" + Sql.literal(DuckDbErrors.GUARD_PREFIX + column + DuckDbErrors.GUARD_SEPARATOR + type + DuckDbErrors.GUARD_SEPARATOR)
                + " || " + ref + ")";
        if (isTimestampTz(type)) {
            return "coalesce(TRY_CAST(" + ref + " AS TIMESTAMPTZ), CASE WHEN " + ref + " IS NULL THEN NULL ELSE " + raise + " END)";
        }
        if (isDecimal(type)) {
            return "CASE WHEN " + tooManyDecimals(ref, type) + " THEN " + raise + " ELSE CAST(" + ref + " AS " + type + ") END";
        }
        return "CASE WHEN " + tooPreciseForDouble(ref) + " THEN " + raise + " ELSE CAST(" + ref + " AS DOUBLE) END";
    }

    /**
     * SQL that is true when a numeric text would not read back digit for digit from a DOUBLE: it has
     * more than 15 significant digits (any 15 round-trip) and they differ from those of the
     * shortest text that reads back as the same DOUBLE, which is what DuckDB prints. Python, pandas
     * and R print doubles that way, with 16 or 17 digits, so their output is DOUBLE; a value with
     * more digits than its double keeps, such as a 19-digit id, is not. Comparing the significant
     * digits is enough: two texts of one double differ by less than one part in 10^15, so with
     * equal digits they have equal exponents (issue 11 item 8).
     */
    private static String tooPreciseForDouble(String ref) {
        return "(length(" + ref + ") > 15 AND length(" + significantDigits(ref) + ") > 15 AND " + significantDigits(ref)
                + " <> " + significantDigits("CAST(TRY_CAST(" + ref + " AS DOUBLE) AS VARCHAR)") + ")";
    }

    /** The digits of a number's text without sign, point, exponent, leading and trailing zeros: "-0.012300e5" gives "123". */
    private static String significantDigits(String ref) {
        return "rtrim(ltrim(regexp_replace(regexp_replace(" + ref + ", '[eE].*$', ''), '[^0-9]', '', 'g'), '0'), '0')";
    }

    private void createTable(List<Column> columns) throws SQLException {
        List<String> defs = new ArrayList<>();
        for (Column col : columns) {
            defs.add(Sql.ident(col.name) + " " + col.type);
        }
        if (spec.lineage()) {
            defs.add(Sql.ident(TableSpec.SOURCE_COLUMN) + " VARCHAR");
            defs.add(Sql.ident(TableSpec.LOAD_ID_COLUMN) + " VARCHAR");
            defs.add(Sql.ident(TableSpec.LOADED_AT_COLUMN) + " TIMESTAMPTZ");
        }
        exec("CREATE TABLE " + qualified() + " (" + String.join(", ", defs) + ")");
    }

    private void replacePreviousVersions(List<LoadFile> files) throws SQLException {
        String keys = files.stream().map(f -> Sql.literal(f.version().key())).collect(Collectors.joining(", "));
        exec("DELETE FROM " + qualified() + " WHERE " + Sql.ident(TableSpec.SOURCE_COLUMN) + " IN (" + keys + ")");
        exec("UPDATE _chute.ledger SET superseded = true WHERE table_name = " + Sql.literal(table.toString()) + " AND object_key IN (" + keys + ")");
    }

    private void countRows(List<LoadFile> files, Map<LoadFile, Long> rows, String loadId) throws SQLException {
        Map<String, LoadFile> byKey = new HashMap<>();
        files.forEach(f -> byKey.put(f.version().key(), f));
        files.forEach(f -> rows.put(f, 0L));
        String sql;
        if (spec.lineage()) {
            sql = "SELECT " + Sql.ident(TableSpec.SOURCE_COLUMN) + ", count(*) FROM " + qualified() + " WHERE " + Sql.ident(TableSpec.LOAD_ID_COLUMN)
                    + " = " + Sql.literal(loadId) + " GROUP BY 1";
        } else {
            sql = "SELECT " + Sql.ident(FILE_COLUMN) + ", count(*) FROM " + stagingTable() + " GROUP BY 1";
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                LoadFile f = byKey.get(rs.getString(1));
                if (f != null) {
                    rows.put(f, rs.getLong(2));
                }
            }
        }
        if (!spec.lineage()) {
            List<String> columns = new ArrayList<>();
            tableColumns().values().forEach(col -> columns.add(Sql.ident(col.name)));
            exec("INSERT INTO " + qualified() + " (" + String.join(", ", columns) + ") SELECT " + String.join(", ", columns) + " FROM " + stagingTable());
        }
    }

    private void collectRejects(List<LoadFile> group, String loadId) throws SQLException {
        Map<String, LoadFile> byPath = new HashMap<>();
        group.forEach(f -> byPath.put(f.path().toString(), f));
        Map<LoadFile, Long> counts = new HashMap<>();
        String sql = "SELECT s.file_path, count(*) FROM chute_reject_errors e JOIN chute_reject_scans s USING (scan_id, file_id) GROUP BY 1";
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                LoadFile f = byPath.get(rs.getString(1));
                if (f != null) {
                    counts.put(f, rs.getLong(2));
                }
            }
        }
        for (Map.Entry<LoadFile, Long> e : counts.entrySet()) {
            if (e.getValue() > spec.maxBadRows()) {
                // fail this file: raise an error that names it so the attempt splits it out
                String firstError = "";
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                        "SELECT e.line, e.error_message FROM chute_reject_errors e JOIN chute_reject_scans s USING (scan_id, file_id) WHERE s.file_path = "
                                + Sql.literal(e.getKey().path()) + " ORDER BY e.line LIMIT 1")) {
                    if (rs.next()) {
                        firstError = " (first at line " + rs.getLong(1) + ": " + DuckDbErrors.firstLine(rs.getString(2)) + ")";
                    }
                }
                throw new TooManyBadRows(e.getKey(), e.getValue(), firstError);
            }
            rejected.put(e.getKey(), e.getValue());
        }
        exec("INSERT INTO _chute.rejects SELECT " + Sql.literal(table.toString()) + ", m.object_key, " + Sql.literal(loadId)
                + ", e.line, e.column_name, e.error_message, e.csv_line, current_timestamp FROM chute_reject_errors e"
                + " JOIN chute_reject_scans s USING (scan_id, file_id) JOIN " + stagedFiles() + " m ON s.file_path = m.path");
        exec("DROP TABLE IF EXISTS chute_reject_errors");
        exec("DROP TABLE IF EXISTS chute_reject_scans");
    }

    /** Files that Chute itself found bad during an attempt: they are decided, and the attempt is rolled back and tried without them. */
    private class FilesFailed extends SQLException {
        FilesFailed(Map<LoadFile, LoadError> failures) {
            super("files failed: " + failures.keySet().stream().map(f -> f.version().key()).collect(Collectors.joining(", ")));
            failures.forEach((f, error) -> decided.put(f, FileOutcome.failed(f, error)));
        }
    }

    /** Too many rejected rows in one file. */
    private final class TooManyBadRows extends FilesFailed {
        TooManyBadRows(LoadFile file, long count, String first) {
            super(Map.of(file, LoadError.of(ErrorCode.TOO_MANY_BAD_ROWS,
                    file.version().key() + ": expected at most " + spec.maxBadRows() + " bad rows (max_bad_rows), found " + count + first)));
        }
    }

    /**
     * Rows a correct read of each delimited file of this attempt must give, counted by
     * {@link CsvRecords} with the dialect the reader was given. Counts are kept across attempts
     * (per file and dialect), as a file does not change while it is loaded.
     */
    private final Map<LoadFile, Long> expectedRows = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<LoadFile, CsvRecords.Dialect> dialects = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, CsvRecords.Count> recordCounts = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Counts the records of a group's files by the dialect of {@code shape}, and fails at once the
     * files whose quote never closes: DuckDB's multi-file reader may return their rows up to the
     * quote without an error (issue 11 item 2).
     */
    private void countRecords(List<LoadFile> group, Shape shape) throws SQLException {
        if (shape.dialect.isEmpty()) {
            return;
        }
        CsvRecords.Dialect dialect = shape.dialect.get();
        Map<LoadFile, LoadError> failures = new java.util.concurrent.ConcurrentHashMap<>();
        group.parallelStream().forEach(f -> {
            CsvRecords.Count count;
            try {
                count = recordCount(f, dialect);
            } catch (IOException e) {
                failures.put(f, LoadError.of(ErrorCode.MALFORMED, f.version().key() + ": cannot read the "
                        + f.format().compression().name().toLowerCase(Locale.ROOT) + " content: " + e.getMessage()));
                return;
            }
            if (count.mixedLineEnds() && count.unterminatedQuoteLine().isEmpty() && count.otherFieldCount().isPresent()) {
                // read leniently, the reader would not stop at a ragged row: the count finds it (issue 11 item 2)
                CsvRecords.Located at = count.otherFieldCount().get();
                failures.put(f, new LoadError(ErrorCode.MALFORMED, f.version().key() + " line " + at.line() + ": expected " + dialect.columns()
                        + " columns, found " + at.fields(), OptionalLong.of(at.line()), Optional.empty(), Optional.empty(),
                        Optional.of(dialect.columns() + " columns")));
                return;
            }
            if (count.mixedLineEnds()) {
                readLeniently.add(f);
            } else {
                readLeniently.remove(f);
            }
            if (count.unterminatedQuoteLine().isPresent()) {
                long line = count.unterminatedQuoteLine().getAsLong();
                failures.put(f, new LoadError(ErrorCode.MALFORMED, f.version().key() + " line " + line + ": expected a closing quote ("
                        + dialect.quote() + "), found an unterminated quote: the value is still open at the end of the file", OptionalLong.of(line),
                        Optional.empty(), Optional.empty(), Optional.of("closing quote")));
            } else {
                expectedRows.put(f, count.records());
                dialects.put(f, dialect);
            }
        });
        if (!failures.isEmpty()) {
            throw new FilesFailed(failures);
        }
    }

    /** The record count of {@code f} read by {@code dialect}, kept for the load. */
    private CsvRecords.Count recordCount(LoadFile f, CsvRecords.Dialect dialect) throws IOException {
        String cacheKey = f.path() + "|" + dialect;
        CsvRecords.Count count = recordCounts.get(cacheKey);
        if (count == null) {
            Unescaped u = unescaped.get(f);
            if (u != null) {
                // counted in the original, escapes and all, not in the copy written from it; the copy ends every record with \n
                LoadFile o = u.original;
                try (java.io.InputStream in = FilePeek.open(o.path(), o.format().compression())) {
                    CsvRecords.Count c = CsvRecords.count(in, charset(),
                            new CsvRecords.Dialect(u.delimiter, CsvQuoting.NONE, u.escape, dialect.header(), dialect.columns()));
                    count = new CsvRecords.Count(c.records(), c.unterminatedQuoteLine(), false, c.otherFieldCount());
                }
            } else {
                try (java.io.InputStream in = FilePeek.open(f.path(), f.format().compression())) {
                    count = CsvRecords.count(in, charset(), dialect);
                }
            }
            recordCounts.put(cacheKey, count);
        }
        return count;
    }

    /**
     * Files whose lines end in a mix of CR LF, LF and CR, which DuckDB's CSV reader reads only
     * without {@code strict_mode}: they must give exactly their record count, and their field
     * counts are checked by {@link CsvRecords} instead of the reader.
     */
    private final Set<LoadFile> readLeniently = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Every record of every delimited file was inserted (or rejected under max_bad_rows), or the file fails saying how many are missing. */
    private void checkEveryRecordLoaded(Map<LoadFile, Long> rows) throws SQLException {
        Map<LoadFile, LoadError> failures = new LinkedHashMap<>();
        for (Map.Entry<LoadFile, Long> e : expectedRows.entrySet()) {
            long loaded = rows.getOrDefault(e.getKey(), 0L) + rejected.getOrDefault(e.getKey(), 0L);
            if (loaded > e.getValue() && readLeniently.contains(e.getKey())) {
                failures.put(e.getKey(), new LoadError(ErrorCode.MALFORMED, e.getKey().version().key() + ": expected " + e.getValue()
                        + " rows (the records of the file), the reader found " + loaded + "; nothing of the file is loaded", OptionalLong.empty(),
                        Optional.empty(), Optional.empty(), Optional.of(e.getValue() + " rows")));
            } else if (loaded < e.getValue()) {
                LoadFile f = e.getKey();
                OptionalLong line = OptionalLong.empty();
                try (java.io.InputStream in = FilePeek.open(f.path(), f.format().compression())) {
                    line = CsvRecords.lineOfRecord(in, charset(), dialects.get(f), loaded + 1);
                } catch (IOException ex) {
                    // the count above read it; without the line the failure still says why
                }
                String at = line.isPresent() ? " line " + line.getAsLong() + ":" : ":";
                failures.put(f, new LoadError(ErrorCode.MALFORMED, f.version().key() + at + " expected " + e.getValue() + " rows (the records of the file),"
                        + " the reader found " + loaded + (line.isPresent() ? ", none from this line on" : "") + "; nothing of the file is loaded",
                        line, Optional.empty(), Optional.empty(), Optional.of(e.getValue() + " rows")));
            }
        }
        if (!failures.isEmpty()) {
            throw new FilesFailed(failures);
        }
    }

    private void writeLedger(Map<LoadFile, Long> rows, String loadId) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        // the files of this batch that get no ledger entry in this attempt: duplicates, and files already split out
        String excluded = loadFiles.stream().filter(f -> !rows.containsKey(f)).map(f -> Sql.literal(f.path().toString()))
                .collect(Collectors.joining(", "));
        String counts = rows.values().stream().allMatch(n -> n == 0) ? "(SELECT NULL::VARCHAR AS k, 0::BIGINT AS n WHERE false)"
                : spec.lineage()
                ? "(SELECT " + Sql.ident(TableSpec.SOURCE_COLUMN) + " AS k, count(*) AS n FROM " + qualified() + " WHERE "
                        + Sql.ident(TableSpec.LOAD_ID_COLUMN) + " = " + Sql.literal(loadId) + " GROUP BY 1)"
                : "(SELECT " + Sql.ident(FILE_COLUMN) + " AS k, count(*) AS n FROM " + stagingTable() + " GROUP BY 1)";
        long millis = (System.nanoTime() - startedNanos) / 1_000_000;
        exec("INSERT INTO _chute.ledger (object_key, checksum, table_name, load_id, rows, bytes, committed_at, duration_ms)"
                + " SELECT m.object_key, m.checksum, " + Sql.literal(table.toString()) + ", " + Sql.literal(loadId) + ", coalesce(n.n, 0), m.bytes,"
                + " current_timestamp, " + millis + " FROM " + stagedFiles() + " m LEFT JOIN " + counts + " n ON n.k = m.object_key"
                + (excluded.isEmpty() ? "" : " WHERE m.path NOT IN (" + excluded + ")"));
        if (!spec.lineage() && rows.values().stream().anyMatch(n -> n > 0)) {
            exec("DROP TABLE " + stagingTable());
        }
        if (warehouse.unresolvedFailures()) {
            exec("UPDATE _chute.failures SET resolved = true WHERE NOT resolved AND object_key IN (SELECT object_key FROM " + stagedFiles()
                    + " m" + (excluded.isEmpty() ? "" : " WHERE m.path NOT IN (" + excluded + ")") + ")");
        }
    }

    private void exec(String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private String qualified() {
        return Sql.ident(table.dataset()) + "." + Sql.ident(table.table());
    }

    private static String stagingTable() {
        return Sql.ident("chute_staging");
    }

    /**
     * Where in the file an error is, as an editor counts lines: DuckDB's CSV reader counts rows (a
     * value over two lines is one) and its JSON reader records of an array, so the file is read
     * again to find the physical line (issue 11 item 10).
     */
    private DuckDbErrors.Location locate(LoadFile f, SQLException e) {
        try {
            if (isDelimited(f)) {
                OptionalLong row = DuckDbErrors.readerRow(e);
                CsvRecords.Dialect d = dialects.get(f);
                if (row.isPresent() && d != null) {
                    try (java.io.InputStream in = FilePeek.open(f.path(), f.format().compression())) {
                        Optional<CsvRecords.Located> at = CsvRecords.locateReaderRow(in, charset(), d, row.getAsLong());
                        if (at.isPresent()) {
                            return new DuckDbErrors.Location(OptionalLong.of(at.get().line()), java.util.OptionalInt.of(at.get().fields()));
                        }
                    }
                }
                if (DuckDbErrors.isConversion(e)) {
                    return new DuckDbErrors.Location(diagnoseLine(f, e), java.util.OptionalInt.empty());
                }
            } else if (f.format().kind() == FileFormat.Kind.JSON) {
                OptionalLong record = DuckDbErrors.jsonRecord(e);
                if (record.isPresent() || DuckDbErrors.isJsonSyntax(e)) {
                    return new DuckDbErrors.Location(jsonLine(f, record), java.util.OptionalInt.empty());
                }
            }
        } catch (IOException ex) {
            // best effort: the reason keeps DuckDB's own numbering
        }
        return DuckDbErrors.Location.UNKNOWN;
    }

    /**
     * The line where JSON record {@code record} (1-based: a top-level value, or an element of a
     * top-level array) starts or, with no record, where the file stops being valid JSON: for an
     * unfinished value, the line where that value starts.
     */
    private static OptionalLong jsonLine(LoadFile f, OptionalLong record) throws IOException {
        try (java.io.InputStream in = FilePeek.open(f.path(), f.format().compression());
             com.fasterxml.jackson.core.JsonParser p = JSON.getFactory().createParser(in)) {
            long index = 0;
            long start = 1;
            try {
                com.fasterxml.jackson.core.JsonToken t = p.nextToken();
                boolean array = t == com.fasterxml.jackson.core.JsonToken.START_ARRAY;
                if (array) {
                    t = p.nextToken();
                }
                while (t != null && !(array && t == com.fasterxml.jackson.core.JsonToken.END_ARRAY)) {
                    index++;
                    start = p.currentTokenLocation().getLineNr();
                    if (record.isPresent() && index == record.getAsLong()) {
                        return OptionalLong.of(start);
                    }
                    p.skipChildren();
                    t = p.nextToken();
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
                if (record.isPresent()) {
                    return OptionalLong.empty();
                }
                boolean unfinished = String.valueOf(ex.getOriginalMessage()).contains("end-of-input");
                return OptionalLong.of(unfinished || ex.getLocation() == null ? start : ex.getLocation().getLineNr());
            }
        }
        return OptionalLong.empty();
    }

    /** For a conversion error without a line number (a guarded DOUBLE), finds the line by reading the file as text. */
    private OptionalLong diagnoseLine(LoadFile f, SQLException e) {
        Optional<String> column = DuckDbErrors.column(e);
        if (column.isEmpty() || !isDelimited(f) || String.valueOf(e.getMessage()).contains("CSV Error on Line")) {
            return OptionalLong.empty();
        }
        try {
            Shape shape = sniff(f);
            boolean header = shape.options.contains("header = true");
            List<String> textColumns = shape.columns.stream().map(col -> Sql.literal(col.name) + ": 'VARCHAR'").toList();
            String ref = Sql.ident(column.get());
            String type = DuckDbErrors.guardType(e).orElse(DOUBLE);
            String bad = isTimestampTz(type) ? "TRY_CAST(v AS TIMESTAMPTZ) IS NULL"
                    : isDecimal(type) ? "TRY_CAST(v AS " + type + ") IS NULL OR " + tooManyDecimals("v", type)
                    : "TRY_CAST(v AS DOUBLE) IS NULL OR " + tooPreciseForDouble("v");
            Shape read = readLeniently.contains(f) ? new Shape(shape.options + ", strict_mode = false", shape.columns, shape.dialect) : shape;
            String sql = "SELECT n FROM (SELECT row_number() OVER () AS n, " + ref + " AS v FROM " + reader(List.of(f), read, textColumns)
                    + ") WHERE v IS NOT NULL AND (" + bad + ") LIMIT 1";
            long record = -1;
            try (Statement s = sniffer().createStatement(); ResultSet rs = s.executeQuery(sql)) {
                if (rs.next()) {
                    record = rs.getLong(1);
                }
            }
            if (record > 0 && shape.dialect.isPresent()) {
                try (java.io.InputStream in = FilePeek.open(f.path(), f.format().compression())) {
                    return CsvRecords.lineOfRecord(in, charset(), shape.dialect.get(), record);
                } catch (IOException ex) {
                    return OptionalLong.of(record + (header ? 1 : 0));
                }
            }
        } catch (SQLException ignored) {
            // best effort: the error is reported without a line
        }
        return OptionalLong.empty();
    }

    private void rollbackQuietly() {
        try {
            c.rollback();
        } catch (SQLException e) {
            // nothing more to undo
        }
    }
}
