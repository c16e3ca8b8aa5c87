package dev.chute.postgres;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.FileFormat;
import dev.chute.spi.FileOutcome;
import dev.chute.spi.LoadBatch;
import dev.chute.spi.LoadError;
import dev.chute.spi.LoadFile;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSpec;
import dev.chute.spi.Warehouse;
import dev.chute.sql.CsvEscapes;
import dev.chute.sql.CsvLine;
import dev.chute.sql.CsvQuoting;
import dev.chute.sql.CsvRecordEnds;
import dev.chute.sql.CsvRecords;
import dev.chute.sql.DuckDbReading;
import dev.chute.sql.JsonNumbers;
import dev.chute.sql.TextHead;
import dev.chute.sql.Utf16Detector;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * One batch into one table, in one transaction.
 *
 * <ol>
 *   <li>Claim, in key order: first a row lock on the version's slot in {@code _chute.locks}
 *   ({@code FOR UPDATE SKIP LOCKED}, which does not wait; see {@link PostgresLocks}: a lock the
 *   reader role cannot take, unlike an advisory lock). If another worker holds it, that worker
 *   is loading the version right now: the file is left out as {@link ErrorCode#LOADING_ELSEWHERE}
 *   and the engine looks at it again shortly, instead of this batch waiting for the other one. Then
 *   one ledger row per file, {@code INSERT ... ON CONFLICT (object_key, checksum) DO NOTHING
 *   RETURNING}. No row back means another transaction committed that version: the file is a
 *   duplicate. (Should a claim still be uncommitted, for instance by a worker of an older version
 *   without the lock, the insert waits for that transaction; two workers never both load one
 *   version.)</li>
 *   <li>Per claimed file, under a savepoint: create or evolve the table (under row locks on the
 *   schema's and the table's slots, so simultaneous workers do not race on the catalogs), COPY the rows, set the ledger
 *   row's count. A file that fails rolls back to its savepoint alone, its claim is withdrawn, and
 *   the others go on.</li>
 *   <li>Check that no file changed meanwhile, then commit rows and ledger together.</li>
 * </ol>
 *
 * <p>CSV files go straight from disk (decompressed on the fly) into {@code COPY ... FROM STDIN
 * (FORMAT csv)}. JSON and Parquet files, and CSV files that need DuckDB's reading (dates in a local
 * format, or rows to skip under {@code max_bad_rows}), are read by DuckDB in-process and streamed to
 * COPY as CSV text. Lineage columns take their values from column defaults that read
 * transaction-local settings, so COPY needs no per-row work for them.
 */
final class PostgresLoad {
    private static final String SOURCE_SETTING = "chute.source";
    private static final String LOAD_ID_SETTING = "chute.load_id";

    private final PostgresWarehouse warehouse;
    private final LoadBatch batch;
    private final TableId table;
    private final TableSpec spec;
    private final Warehouse.FileCheck stillValid;
    private final Map<LoadFile, FileOutcome> decided = new LinkedHashMap<>();
    private final Map<LoadFile, TextHead> heads = new HashMap<>();
    /** Columns (lower case) a new table makes text because a value did not fit the inferred type. */
    private final Set<String> forceText = new HashSet<>();
    /** Columns (lower case) a new table makes numeric because a value has more digits than the inferred double keeps. */
    private final Set<String> forceNumeric = new HashSet<>();
    /** Existing columns (lower case) to widen to text (on_type_conflict: widen). */
    private final Set<String> widen = new HashSet<>();
    /** Rows (1-based, in file order) left out of a file under max_bad_rows, with why. */
    private final Map<LoadFile, TreeMap<Long, Reject>> rejects = new HashMap<>();
    private boolean fullSniff;
    private boolean tableCreatedInAttempt;
    private final long startedNanos = System.nanoTime();

    private record Reject(long line, Optional<String> column, String error) {
    }

    /**
     * Files that are not CSV go through the embedded DuckDB reader, which reads Avro only through
     * an extension that its JDBC driver does not carry built in and that Chute does not download.
     */
    static LoadError avroRefused(LoadFile f) {
        return LoadError.of(ErrorCode.UNSUPPORTED_FORMAT, f.version().key() + ": warehouse postgres cannot load Avro (it reads files other than CSV"
                + " through the embedded DuckDB, whose avro extension is not built in); expected CSV, TSV, JSON or Parquet, found an .avro file."
                + " Warehouse bigquery loads Avro; for postgres, convert the file to Parquet");
    }

    PostgresLoad(PostgresWarehouse warehouse, LoadBatch batch, Warehouse.FileCheck stillValid) {
        this.warehouse = warehouse;
        this.batch = batch;
        this.table = batch.table();
        this.spec = batch.spec();
        this.stillValid = stillValid;
    }

    List<FileOutcome> run() {
        for (String name : List.of(table.dataset(), table.table())) {
            if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 63) {
                // PostgreSQL would cut the name at 63 bytes, and later lookups by the whole name would miss it
                return batch.files().stream().map(f -> FileOutcome.failed(f, LoadError.of(ErrorCode.SCHEMA_CONFLICT, f.version().key()
                        + ": the name '" + name + "' of " + table + " is " + name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                        + " bytes long; expected at most PostgreSQL's 63 bytes for a schema or table name"))).toList();
            }
        }
        List<LoadFile> files = new ArrayList<>();
        for (LoadFile f : batch.files()) {
            if (f.format().kind() == FileFormat.Kind.AVRO) {
                decided.put(f, FileOutcome.failed(f, avroRefused(f)));
                continue;
            }
            if (f.format().kind() == FileFormat.Kind.PARQUET) {
                files.add(f);
                continue;
            }
            try {
                Optional<LoadError> utf16 = utf16(f);
                if (utf16.isPresent()) {
                    decided.put(f, FileOutcome.failed(f, utf16.get()));
                    continue;
                }
                TextHead head = PostgresFiles.head(f.path(), f.format(), spec.encoding());
                heads.put(f, head);
                if (isDelimited(f)) {
                    Optional<LoadError> error = unescapeIfEscaped(f, head);
                    if (error.isPresent()) {
                        decided.put(f, FileOutcome.failed(f, error.get()));
                        continue;
                    }
                }
                files.add(f);
            } catch (TextHead.InvalidTextException e) {
                // issue 11 item 4: a header is decoded as strictly as the rows below it
                decided.put(f, FileOutcome.failed(f, e.loadError(f.version().key())));
            } catch (IOException e) {
                decided.put(f, FileOutcome.failed(f, LoadError.of(ErrorCode.MALFORMED, f.version().key() + ": cannot read the "
                        + f.format().compression().name().toLowerCase(Locale.ROOT) + " content: " + e.getMessage())));
            }
        }
        int budget = files.size() * 2 + 8;
        int conflicts = 0;
        while (budget-- > 0) {
            List<LoadFile> remaining = files.stream().filter(f -> !decided.containsKey(f)).toList();
            if (remaining.isEmpty()) {
                break;
            }
            try (Connection c = warehouse.connection(); PostgresFileReader reader = new PostgresFileReader(warehouse.stageRoot())) {
                if (attempt(c, reader, remaining)) {
                    break;
                }
            } catch (SQLException e) {
                if (PostgresErrors.conflict(e) && conflicts++ < 5) {
                    // another worker's transaction crossed ours (deadlock detected by PostgreSQL): go again
                    budget++;
                    continue;
                }
                throw PostgresErrors.unavailable("loading into " + table + " failed", e);
            }
        }
        for (LoadFile f : files) {
            decided.computeIfAbsent(f, x -> FileOutcome.failed(x, LoadError.of(ErrorCode.INTERNAL,
                    x.version().key() + ": could not be loaded into " + table + " within the attempts of its batch; it is tried again")));
        }
        return batch.files().stream().map(decided::get).toList();
    }

    /** The un-escaped copy of a delimited file escaped outside quotes, and how the original is split. */
    private record Unescaped(LoadFile copy, char delimiter, char escape, TableSpec readSpec) {
    }

    private final Map<LoadFile, Unescaped> unescaped = new HashMap<>();

    /**
     * A delimited file escaped outside quotes (MySQL's {@code SELECT ... INTO OUTFILE}: no quoting,
     * a backslash before a line end or a TAB inside a value), which COPY's CSV format cannot read,
     * is read through a copy in standard CSV beside its staged bytes, on the same lines, as the
     * DuckDB warehouse reads it ({@link CsvEscapes#unescape}); its records are still counted in the
     * original. The copy's head replaces the file's. Empty, or the file's failure.
     */
    private Optional<LoadError> unescapeIfEscaped(LoadFile f, TextHead head) {
        char escape = CsvEscapes.unquotedEscape(spec, f.format().kind(), head);
        if (escape == CsvQuoting.NONE) {
            return Optional.empty();
        }
        char delimiter = f.format().kind() == FileFormat.Kind.TSV ? '\t'
                : spec.delimiter().map(d -> d.charAt(0)).orElseGet(() -> CsvLine.guessDelimiter(head.firstLine(), CsvQuoting.NONE));
        java.nio.file.Path copy = f.path().resolveSibling(f.path().getFileName() + ".unescaped.csv");
        try {
            try (InputStream in = PostgresFiles.open(f.path(), f.format().compression());
                 java.io.OutputStream out = java.nio.file.Files.newOutputStream(copy)) {
                CsvEscapes.unescape(in, out, spec.encoding().charset(), delimiter, escape);
            }
            try (InputStream in = java.nio.file.Files.newInputStream(copy)) {
                heads.put(f, TextHead.read(in, spec.encoding(), '"'));
            }
            LoadFile read = new LoadFile(f.version(), Optional.of(copy), Optional.empty(), new FileFormat(f.format().kind(), FileFormat.Compression.NONE),
                    f.continuation());
            unescaped.put(f, new Unescaped(read, delimiter, escape, spec.withDialect(String.valueOf(delimiter), "\"", TableSpec.NO_ESCAPE)));
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(LoadError.of(ErrorCode.UNSUPPORTED_FORMAT, f.version().key() + ": expected a utf-8 or latin-1 file to read escapes"
                    + " outside quotes (escape " + escape + " without quoting), found encoding " + DuckDbReading.encoding(spec.encoding())));
        } catch (IOException e) {
            return Optional.of(LoadError.of(ErrorCode.MALFORMED, f.version().key() + ": cannot read the "
                    + f.format().compression().name().toLowerCase(Locale.ROOT) + " content: " + e.getMessage()));
        }
    }

    /** The table's settings as {@code f} is read with: those of the table, or the standard CSV of its un-escaped copy. */
    private TableSpec readSpec(LoadFile f) {
        Unescaped u = unescaped.get(f);
        return u == null ? spec : u.readSpec();
    }

    /** The bytes to read for {@code f} before any rewrite of its record ends: its un-escaped copy, or its staged bytes. */
    private LoadFile unescapedOrSelf(LoadFile f) {
        Unescaped u = unescaped.get(f);
        return u == null ? f : u.copy();
    }

    /**
     * A UTF-16 file in a table that reads UTF-8 or Latin-1: failed before any of it reaches an
     * engine, saying what it is (issue 11 item 10). Its NUL bytes would otherwise end up in column
     * names, which PostgreSQL's protocol cannot carry.
     */
    private Optional<LoadError> utf16(LoadFile f) throws IOException {
        boolean readsUtf16 = isDelimited(f) && spec.encoding() == TableSpec.Encoding.UTF_16;
        if (readsUtf16) {
            return Optional.empty();
        }
        return Utf16Detector.detect(PostgresFiles.peek(f.path(), f.format().compression(), Utf16Detector.SAMPLE)).map(u -> new LoadError(
                ErrorCode.ENCODING, f.version().key() + " line 1: expected text in " + DuckDbReading.encoding(spec.encoding()).toUpperCase(Locale.ROOT)
                        + " (the table's encoding), found UTF-16 text (" + u.name() + ", " + u.evidence() + ")"
                        + (isDelimited(f) ? "; set encoding: utf-16 for the table, or write the file as UTF-8" : "; write the file as UTF-8"),
                OptionalLong.of(1), Optional.empty(), Optional.empty(), Optional.of(DuckDbReading.encoding(spec.encoding()))));
    }

    /** One transaction over {@code files}; true when it committed, false to go again with what it learned. */
    private boolean attempt(Connection c, PostgresFileReader reader, List<LoadFile> files) throws SQLException {
        tableCreatedInAttempt = false;
        c.setAutoCommit(false);
        try {
            Set<LoadFile> busy = new HashSet<>();
            Set<LoadFile> claimed = claim(c, files, busy);
            for (LoadFile f : files) {
                if (busy.contains(f)) {
                    decided.put(f, FileOutcome.failed(f, LoadError.of(ErrorCode.LOADING_ELSEWHERE,
                            f.version().key() + " (version " + f.version().checksum() + ") is being loaded into " + table + " by another worker right now")));
                } else if (!claimed.contains(f)) {
                    decided.put(f, FileOutcome.duplicate(f));
                }
            }
            Map<LoadFile, Long> rows = new LinkedHashMap<>();
            for (LoadFile f : files) {
                if (!claimed.contains(f)) {
                    continue;
                }
                FileResult result = loadFile(c, reader, f);
                if (result.restart) {
                    c.rollback();
                    return false;
                }
                if (result.error.isPresent()) {
                    withdraw(c, f);
                    decided.put(f, FileOutcome.failed(f, result.error.get()));
                } else {
                    rows.put(f, result.rows);
                }
            }
            List<LoadFile> changed = rows.keySet().stream().filter(f -> !stillValid.unchanged(f)).toList();
            if (!changed.isEmpty()) {
                c.rollback();
                for (LoadFile f : changed) {
                    decided.put(f, FileOutcome.failed(f, LoadError.of(ErrorCode.CHANGED_WHILE_LOADING,
                            f.version().key() + " changed while it was being loaded; it is loaded again once it is quiet")));
                }
                return false;
            }
            if (!rows.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE _chute.ledger SET duration_ms = ? WHERE load_id = ?")) {
                    ps.setLong(1, (System.nanoTime() - startedNanos) / 1_000_000);
                    ps.setString(2, batch.loadId());
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("UPDATE _chute.failures f SET resolved = true FROM _chute.ledger l"
                        + " WHERE l.load_id = ? AND f.object_key = l.object_key AND NOT f.resolved")) {
                    ps.setString(1, batch.loadId());
                    ps.executeUpdate();
                }
            }
            c.commit();
            rows.forEach((f, n) -> decided.put(f, FileOutcome.committed(f, n, rejects.getOrDefault(f, new TreeMap<>()).size())));
            return true;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c);
            throw e;
        } finally {
            try {
                c.setAutoCommit(true);
            } catch (SQLException e) {
                // the pool discards a broken connection
            }
        }
    }

    /**
     * Claims the files' versions in the ledger, in key order (so two workers cannot deadlock on them);
     * returns the claimed, and adds to {@code busy} those another worker's transaction holds now.
     */
    private Set<LoadFile> claim(Connection c, List<LoadFile> files, Set<LoadFile> busy) throws SQLException {
        List<LoadFile> ordered = new ArrayList<>(files);
        ordered.sort(Comparator.comparing((LoadFile f) -> f.version().key()).thenComparing(f -> f.version().checksum()));
        Set<LoadFile> claimed = new HashSet<>();
        String sql = "INSERT INTO _chute.ledger (object_key, checksum, table_name, load_id, rows, bytes, committed_at, duration_ms)"
                + " VALUES (?, ?, ?, ?, 0, ?, now(), 0) ON CONFLICT (object_key, checksum) DO NOTHING RETURNING object_key";
        if (spec.onOverwrite() == TableSpec.OnOverwrite.REPLACE) {
            // replacing deletes the rows of the key's other versions: two workers loading two versions
            // of one key must take turns, or neither would see (and delete) the other's rows.
            // All taken before the claims, in slot order, so two batches cannot deadlock on them.
            PostgresLocks.lockAll(c, PostgresLocks.Space.KEY, ordered.stream().map(f -> f.version().key()).toList());
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (LoadFile f : ordered) {
                // two versions that share a slot only make one of them wait a little (LOADING_ELSEWHERE), never load twice
                if (!PostgresLocks.tryLock(c, PostgresLocks.Space.CLAIM, f.version().key() + "\n" + f.version().checksum())) {
                    busy.add(f);
                    continue;
                }
                ps.setString(1, f.version().key());
                ps.setString(2, f.version().checksum());
                ps.setString(3, table.toString());
                ps.setString(4, batch.loadId());
                ps.setLong(5, f.version().size());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        claimed.add(f);
                    }
                }
            }
        }
        return claimed;
    }

    private void withdraw(Connection c, LoadFile f) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM _chute.ledger WHERE object_key = ? AND checksum = ? AND load_id = ?")) {
            ps.setString(1, f.version().key());
            ps.setString(2, f.version().checksum());
            ps.setString(3, batch.loadId());
            ps.executeUpdate();
        }
    }

    private record FileResult(long rows, Optional<LoadError> error, boolean restart) {
        static FileResult loaded(long rows) {
            return new FileResult(rows, Optional.empty(), false);
        }

        static FileResult failed(LoadError error) {
            return new FileResult(0, Optional.of(error), false);
        }

        static FileResult again() {
            return new FileResult(0, Optional.empty(), true);
        }
    }

    /** One file under its own savepoint, tried again in place after widening a column or rejecting a row. */
    private FileResult loadFile(Connection c, PostgresFileReader reader, LoadFile f) throws SQLException {
        String key = f.version().key();
        TextHead head = heads.get(f);
        boolean delimited = isDelimited(f);
        if (head != null && (head.empty() || delimited && dev.chute.sql.HeaderGuess.headerOnly(readSpec(f), f.format().kind(), head))) {
            // empty or header only: nothing to create, 0 rows
            return FileResult.loaded(0);
        }
        TreeMap<Long, Reject> skipped = rejects.computeIfAbsent(f, x -> new TreeMap<>());
        for (int tries = 0; tries <= spec.maxBadRows() + 8; tries++) {
            exec(c, "SAVEPOINT chute_file");
            boolean created = false;
            Columns columns = null;
            PostgresFileReader.Shape shape = null;
            try {
                shape = reader.shape(source(f), readSpec(f), fullSniff, head == null ? TextHead.unknown() : head);
                Optional<LoadError> nulName = nulInNames(key, shape, head);
                if (nulName.isPresent()) {
                    // never sent: a NUL in a statement's text breaks the server connection (issue 11 item 2)
                    exec(c, "ROLLBACK TO SAVEPOINT chute_file");
                    return FileResult.failed(nulName.get());
                }
                if (f.format().kind() == FileFormat.Kind.PARQUET) {
                    Optional<PostgresFileReader.WideDecimal> wide = reader.wideDecimal(f);
                    if (wide.isPresent()) {
                        exec(c, "ROLLBACK TO SAVEPOINT chute_file");
                        return FileResult.failed(wideDecimal(key, wide.get()));
                    }
                }
                if (f.format().kind() == FileFormat.Kind.JSON) {
                    Optional<LoadError> rounded = roundedJsonNumber(key, source(f));
                    if (rounded.isPresent()) {
                        exec(c, "ROLLBACK TO SAVEPOINT chute_file");
                        return FileResult.failed(rounded.get());
                    }
                }
                Table target = ensureTable(c, shape);
                created = target.created;
                columns = target.columns;
                Optional<PostgresFileReader.Imprecise> imprecise = reader.firstImprecise(source(f), shape, target.fileTypes, skipped.keySet());
                if (imprecise.isPresent()) {
                    exec(c, "ROLLBACK TO SAVEPOINT chute_file");
                    PostgresFileReader.Imprecise im = imprecise.get();
                    String name = shape.columns().get(im.column()).name();
                    String lower = PostgresNames.column(name).toLowerCase(Locale.ROOT);
                    Optional<String> configured = spec.columnTypes().entrySet().stream()
                            .filter(e -> e.getKey().equalsIgnoreCase(name) || e.getKey().equalsIgnoreCase(PostgresNames.column(name)))
                            .map(Map.Entry::getValue).findFirst();
                    if (configured.isEmpty() && (created || tableCreatedInAttempt) && forceNumeric.add(lower)) {
                        // inferred as a double, but a value has more digits than a double keeps: numeric keeps them all
                        return FileResult.again();
                    }
                    if (!created && spec.onTypeConflict() == TableSpec.OnTypeConflict.WIDEN && widen.add(lower)) {
                        continue;
                    }
                    long line = rowLine(f, shape, im.row());
                    String type = configured.map(t -> t.strip().toUpperCase(Locale.ROOT)).orElse(target.fileTypes.get(im.column()).toUpperCase(Locale.ROOT));
                    String reason = key + " line " + line + ": column \"" + name + "\": expected " + type + ", found '" + PostgresErrors.shorten(im.value())
                            + "', which has more digits than " + type + " keeps (Chute does not round values)";
                    if (spec.maxBadRows() > 0) {
                        if (skipped.size() >= spec.maxBadRows()) {
                            return FileResult.failed(LoadError.of(ErrorCode.TOO_MANY_BAD_ROWS, key + ": expected at most " + spec.maxBadRows()
                                    + " bad rows (max_bad_rows), found more (first at line " + skipped.firstEntry().getValue().line + ": "
                                    + skipped.firstEntry().getValue().error + ")"));
                        }
                        skipped.put(im.row(), new Reject(line, Optional.of(name), reason));
                        continue;
                    }
                    return FileResult.failed(new LoadError(ErrorCode.TYPE_CONFLICT, reason, OptionalLong.of(line), Optional.of(name),
                            Optional.of(im.value()), Optional.of(type)));
                }
                if (spec.onOverwrite() == TableSpec.OnOverwrite.REPLACE && !f.continuation()) {
                    // a file that grew keeps the rows of its committed prefix: only what was appended is added
                    replacePreviousVersions(c, f);
                }
                if (spec.lineage()) {
                    setLocal(c, SOURCE_SETTING, key);
                    setLocal(c, LOAD_ID_SETTING, batch.loadId());
                }
                // the file's own record count is read beside the COPY, on another core
                java.util.concurrent.CompletableFuture<CsvRecords.Count> counting = countRecords(f, shape);
                long rows = copy(c, reader, f, shape, target);
                Optional<LoadError> missing = missingRecords(f, shape, rows + skipped.size(), counting);
                if (missing.isPresent()) {
                    exec(c, "ROLLBACK TO SAVEPOINT chute_file");
                    return FileResult.failed(missing.get());
                }
                writeRejects(c, f, skipped);
                try (PreparedStatement ps = c.prepareStatement("UPDATE _chute.ledger SET rows = ? WHERE object_key = ? AND checksum = ?")) {
                    ps.setLong(1, rows);
                    ps.setString(2, key);
                    ps.setString(3, f.version().checksum());
                    ps.executeUpdate();
                }
                exec(c, "RELEASE SAVEPOINT chute_file");
                tableCreatedInAttempt |= created;
                return FileResult.loaded(rows);
            } catch (SQLException e) {
                exec(c, "ROLLBACK TO SAVEPOINT chute_file");
                if (PostgresErrors.warehouseTrouble(e)) {
                    throw e;
                }
                if (PostgresErrors.recordEndTrouble(e) && rewriteRecordEnds(f, shape)) {
                    // mixed line endings or empty lines: read again from a copy that ends every record with \n
                    continue;
                }
                if (PostgresErrors.nulByte(e)) {
                    return FileResult.failed(nulInValue(f, shape));
                }
                Optional<String> column = PostgresErrors.column(e);
                if (PostgresErrors.isConversion(e) && (created || tableCreatedInAttempt)) {
                    // the sample misled the type inference: infer from every value, then make the column text
                    if (!fullSniff) {
                        fullSniff = true;
                        return FileResult.again();
                    }
                    if (column.isPresent() && forceText.add(column.get().toLowerCase(Locale.ROOT))) {
                        return FileResult.again();
                    }
                }
                Columns known = columns;
                LoadError error = headerNames(PostgresErrors.describe(key, e, lines(f, shape, skipped),
                        name -> known == null ? Optional.empty() : Optional.ofNullable(known.types.get(name.toLowerCase(Locale.ROOT)))), shape);
                if (PostgresErrors.isConversion(e) && !created && spec.onTypeConflict() == TableSpec.OnTypeConflict.WIDEN && column.isPresent()
                        && widen.add(column.get().toLowerCase(Locale.ROOT))) {
                    continue;
                }
                OptionalLong record = PostgresErrors.copyLine(e);
                if (spec.maxBadRows() > 0 && record.isPresent() && e.getSQLState().startsWith("22")) {
                    long row = sourceRow(skipped, record.getAsLong());
                    if (skipped.size() >= spec.maxBadRows()) {
                        return FileResult.failed(LoadError.of(ErrorCode.TOO_MANY_BAD_ROWS, key + ": expected at most " + spec.maxBadRows()
                                + " bad rows (max_bad_rows), found more (first at line " + skipped.firstEntry().getValue().line + ": "
                                + skipped.firstEntry().getValue().error + ")"));
                    }
                    skipped.put(row, new Reject(error.line().orElse(row), column, error.reason()));
                    continue;
                }
                return FileResult.failed(error);
            } catch (PostgresFileReader.Unreadable e) {
                exec(c, "ROLLBACK TO SAVEPOINT chute_file");
                if (isDelimited(f) && rewriteRecordEnds(f, shape)) {
                    continue;
                }
                return FileResult.failed(unreadable(f, e));
            } catch (PostgresFileReader.NulValue e) {
                exec(c, "ROLLBACK TO SAVEPOINT chute_file");
                String column = shape.columns().get(e.column()).name();
                boolean rows = f.format().kind() == FileFormat.Kind.PARQUET;
                long line = rows ? e.row() : rowLine(f, shape, e.row());
                return FileResult.failed(nulValueError(key, OptionalLong.of(line), (rows ? "row " : "line ") + line, Optional.of(column), e.value()));
            } catch (ChuteException e) {
                exec(c, "ROLLBACK TO SAVEPOINT chute_file");
                return FileResult.failed(LoadError.of(e.code(), key + ": " + e.getMessage()));
            }
        }
        return FileResult.failed(LoadError.of(ErrorCode.TYPE_CONFLICT, key + ": values still do not fit " + table + " after widening its columns"));
    }

    /**
     * A file the DuckDB reader could not read, said without the staging path or DuckDB's advice about
     * its own options (issue 11 item 10). For JSON the line is the first line that is not a complete
     * JSON value, found by reading the file again: DuckDB names the line where it gave up, and for a
     * value cut short that is the line after it.
     */
    private LoadError unreadable(LoadFile f, PostgresFileReader.Unreadable e) {
        String key = f.version().key();
        String engine = String.valueOf(e.getCause().getMessage());
        java.util.regex.Matcher codec = PARQUET_CODEC.matcher(engine);
        if (f.format().kind() == FileFormat.Kind.PARQUET && codec.find()) {
            // DuckDB's own words name its path to the file and its options; the user needs the codec
            String name = codec.group(1);
            return new LoadError(ErrorCode.UNSUPPORTED_FORMAT, key + ": cannot read the Parquet file: its data is compressed with the codec " + name
                    + (name.equalsIgnoreCase("LZ4") ? " (the Hadoop-framed LZ4 of older writers, not LZ4_RAW)" : "") + ", which the Parquet reader"
                    + " does not support; expected UNCOMPRESSED, SNAPPY, GZIP, BROTLI, ZSTD or LZ4_RAW (write the file again with one of them)",
                    OptionalLong.empty(), Optional.empty(), Optional.empty(), Optional.of("a supported Parquet codec"));
        }
        String detail = PostgresErrors.withoutInternals(engine, source(f).path());
        if (f.format().kind() == FileFormat.Kind.JSON && detail.contains("JSON")) {
            OptionalLong line = PostgresFiles.firstMalformedJsonLine(f.path(), f.format().compression());
            if (line.isPresent()) {
                return new LoadError(ErrorCode.MALFORMED, key + " line " + line.getAsLong() + ": expected a complete JSON value, found malformed JSON",
                        line, Optional.empty(), Optional.empty(), Optional.of("JSON"));
            }
        }
        OptionalLong line = f.format().kind() == FileFormat.Kind.PARQUET || e.line().isEmpty() ? OptionalLong.empty()
                : OptionalLong.of(inputLine(f, e.line().getAsLong()));
        String at = line.isPresent() ? " line " + line.getAsLong() + ":" : ":";
        return new LoadError(ErrorCode.MALFORMED, key + at + " " + detail, line, Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** An error about a shortened column, said with the column's name in the file's header (the table's comment on it). */
    private static LoadError headerNames(LoadError error, PostgresFileReader.Shape shape) {
        if (shape == null || error.column().isEmpty()) {
            return error;
        }
        String pgName = error.column().get();
        return shape.columns().stream().map(PostgresFileReader.Column::name)
                .filter(full -> !full.equals(pgName) && PostgresNames.column(full).equalsIgnoreCase(pgName)).findFirst()
                .map(full -> new LoadError(error.code(), error.reason().replace("\"" + pgName + "\"", "\"" + full + "\""), error.line(),
                        Optional.of(full), error.value(), error.expected()))
                .orElse(error);
    }

    /** The file to read for {@code f}: its staged bytes, its un-escaped copy, or the copy whose record ends were rewritten. */
    private LoadFile source(LoadFile f) {
        Rewritten r = rewritten.get(f);
        return r == null ? unescapedOrSelf(f) : r.file();
    }

    /** The physical line of {@code f} for a line of the file read for it ({@link #source}). */
    private long inputLine(LoadFile f, long line) {
        Rewritten r = rewritten.get(f);
        return r == null ? line : r.result().inputLine(line);
    }

    /** The line of the file read for {@code f} for a physical line of {@code f} that holds a record (the inverse of {@link #inputLine}). */
    private long readLine(LoadFile f, long line) {
        Rewritten r = rewritten.get(f);
        if (r == null) {
            return line;
        }
        long before = 0;
        for (long dropped : r.result().droppedLines()) {
            if (dropped < line) {
                before++;
            }
        }
        return line - before;
    }

    private record Rewritten(LoadFile file, CsvRecordEnds.Result result) {
    }

    private final Map<LoadFile, Rewritten> rewritten = new HashMap<>();
    private final Set<LoadFile> rewriteTried = new HashSet<>();

    /**
     * COPY takes the line ending of a file's first line for all of it and reads an empty line as a
     * record of empty fields: a valid file mixing {@code \n}, {@code \r\n} and {@code \r} (old Mac
     * exports, files appended to by different tools), or with empty lines, fails. Only then, so files
     * of one line ending cost nothing more, the file is copied beside its staged bytes with every
     * record ended by {@code \n} and (with more than one column) without its empty lines, values
     * untouched; true when the copy reads differently and the file is to be loaded again from it.
     */
    private boolean rewriteRecordEnds(LoadFile f, PostgresFileReader.Shape shape) {
        if (shape == null || shape.csv().isEmpty() || !isDelimited(f) || spec.encoding() == TableSpec.Encoding.UTF_16
                || !rewriteTried.add(f)) {
            return false;
        }
        PostgresFileReader.CsvDialect d = shape.csv().get();
        LoadFile from = unescapedOrSelf(f);
        java.nio.file.Path copy = f.path().resolveSibling(f.path().getFileName() + ".records.csv");
        CsvRecordEnds.Result result;
        try (InputStream in = PostgresFiles.open(from.path(), from.format().compression());
             java.io.OutputStream out = new java.io.BufferedOutputStream(java.nio.file.Files.newOutputStream(copy), 1 << 16)) {
            result = CsvRecordEnds.rewrite(in, out, d.quote(), d.escape(), shape.columns().size() > 1);
        } catch (IOException e) {
            deleteQuietly(copy);
            return false;
        }
        if (!result.changed()) {
            deleteQuietly(copy);
            return false;
        }
        FileFormat plain = new FileFormat(f.format().kind(), FileFormat.Compression.NONE);
        rewritten.put(f, new Rewritten(new LoadFile(f.version(), Optional.of(copy), Optional.empty(), plain, f.continuation()), result));
        return true;
    }

    private static void deleteQuietly(java.nio.file.Path p) {
        try {
            java.nio.file.Files.deleteIfExists(p);
        } catch (IOException e) {
            // in the batch's stage folder, which goes with the batch
        }
    }

    /**
     * A column name with a NUL byte: PostgreSQL cannot hold it, and a statement carrying it breaks
     * the connection, which would be taken for the warehouse being down (issue 11 item 2). Named by
     * its position in the header, the byte shown as 0x00.
     */
    private static Optional<LoadError> nulInNames(String key, PostgresFileReader.Shape shape, TextHead head) {
        List<String> names = shape.columns().stream().map(PostgresFileReader.Column::name).toList();
        boolean header = shape.csv().isPresent() && shape.csv().get().header();
        if (header && head != null) {
            List<String> fields = dev.chute.sql.CsvLine.split(head.firstLine(), shape.csv().get().delimiter(), shape.csv().get().quote());
            for (int i = 0; i < fields.size(); i++) {
                if (fields.get(i).indexOf('\0') >= 0) {
                    return Optional.of(nulInName(key, true, i, fields.get(i)));
                }
            }
        }
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).indexOf('\0') >= 0) {
                return Optional.of(nulInName(key, header, i, names.get(i)));
            }
        }
        return Optional.empty();
    }

    private static LoadError nulInName(String key, boolean header, int index, String name) {
        String shown = visible(name);
        return new LoadError(ErrorCode.MALFORMED, key + (header ? " line 1" : "") + ": column " + (index + 1) + " ('" + shown + "') of the "
                + (header ? "header" : "file") + " holds the byte 0x00 (NUL), which a PostgreSQL column name cannot hold; expected names without"
                + " NUL bytes", header ? OptionalLong.of(1) : OptionalLong.empty(), Optional.of(shown), Optional.empty(), Optional.of("a name without 0x00"));
    }

    /** Text for a message: NUL shown as {@code \0}, cut at 200 characters. */
    private static String visible(String text) {
        return PostgresErrors.shorten(text.replace("\0", "\\0"));
    }

    /**
     * COPY refused a NUL byte in a value: PostgreSQL text cannot hold U+0000, whatever the encoding
     * (issue 11 item 3). Named with its line and column, found by walking the file; Chute does not
     * drop or replace it.
     */
    private LoadError nulInValue(LoadFile f, PostgresFileReader.Shape shape) {
        String key = f.version().key();
        Optional<PostgresCsvScan.Nul> nul = Optional.empty();
        if (shape != null && shape.csv().isPresent()) {
            PostgresFileReader.CsvDialect d = shape.csv().get();
            LoadFile s = source(f);
            try (InputStream in = PostgresFiles.open(s.path(), s.format().compression())) {
                nul = PostgresCsvScan.firstNul(in, d.delimiter(), d.quote(), d.escape());
            } catch (IOException e) {
                nul = Optional.empty();
            }
        }
        if (nul.isEmpty()) {
            return nulValueError(key, OptionalLong.empty(), "", Optional.empty(), "");
        }
        long line = inputLine(f, nul.get().line());
        int field = nul.get().field();
        Optional<String> column = field >= 1 && field <= shape.columns().size() ? Optional.of(shape.columns().get(field - 1).name()) : Optional.empty();
        return nulValueError(key, OptionalLong.of(line), "line " + line, column, nul.get().value());
    }

    private static LoadError nulValueError(String key, OptionalLong line, String where, Optional<String> column, String value) {
        String shown = visible(value);
        return new LoadError(ErrorCode.ENCODING, key + (where.isEmpty() ? "" : " " + where) + ":" + column.map(c -> " column \"" + c + "\":").orElse("")
                + (value.isEmpty() ? " a value" : " the value '" + shown + "'") + " holds the byte 0x00 (NUL), which PostgreSQL text cannot store;"
                + " expected values without NUL bytes (Chute does not drop or replace bytes of a value)", line, column,
                value.isEmpty() ? Optional.empty() : Optional.of(shown), Optional.of("text without 0x00"));
    }

    private static final java.util.regex.Pattern PARQUET_CODEC = java.util.regex.Pattern.compile("[Uu]nsupported compression codec \"?([A-Za-z0-9_]+)");

    /** A JSON number the JSON reader would round: the file fails naming it (issue 14 item 1). */
    private static Optional<LoadError> roundedJsonNumber(String key, LoadFile s) {
        try (InputStream in = PostgresFiles.open(s.path(), s.format().compression())) {
            return JsonNumbers.first(in).map(r -> JsonNumbers.error(key, r));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A Parquet column that could only be read rounded: the file fails, naming it (issue 11 item 5). */
    private static LoadError wideDecimal(String key, PostgresFileReader.WideDecimal wide) {
        String type = "DECIMAL(" + wide.precision() + "," + wide.scale() + ")";
        return new LoadError(ErrorCode.UNSUPPORTED_FORMAT, key + ": column \"" + wide.column() + "\" is " + type + " in the Parquet file; expected a"
                + " decimal of at most 38 digits: the Parquet reader keeps wider decimals only as approximate DOUBLE values, and Chute does not"
                + " round values (write the column as a string, or with at most 38 digits)", OptionalLong.empty(), Optional.of(wide.column()),
                Optional.empty(), Optional.of("DECIMAL of at most 38 digits"));
    }

    /** The physical line where the 1-based data row {@code row} of a file starts (for JSON, its row: one value per line). */
    private long rowLine(LoadFile f, PostgresFileReader.Shape shape, long row) {
        if (shape.csv().isEmpty() || spec.encoding() == TableSpec.Encoding.UTF_16) {
            return row + (shape.csv().isPresent() && shape.csv().get().header() ? 1 : 0);
        }
        PostgresFileReader.CsvDialect d = shape.csv().get();
        long number = row + (d.header() ? 1 : 0);
        LoadFile s = source(f);
        try (InputStream in = PostgresFiles.open(s.path(), s.format().compression())) {
            return PostgresCsvScan.scan(in, d.delimiter(), d.quote(), d.escape(), r -> r.number() == number).record()
                    .map(r -> inputLine(f, r.firstLine())).orElse(number);
        } catch (IOException e) {
            return number;
        }
    }

    /** The 1-based row of the file for the 1-based record COPY reports, given the rows left out before it. */
    private static long sourceRow(TreeMap<Long, Reject> skipped, long record) {
        long row = record;
        for (long r : skipped.keySet()) {
            if (r <= row) {
                row++;
            }
        }
        return row;
    }

    private long sourceLine(LoadFile f, TreeMap<Long, Reject> skipped, long record) {
        if (!usesReader(f)) {
            // COPY read the file itself and counts its lines, the header included
            return inputLine(f, record);
        }
        return sourceRow(skipped, record) + (isDelimited(f) && spec.header().orElse(true) ? 1 : 0);
    }

    /**
     * The file's lines as a user sees them, for an error about it (issue 11 item 10): COPY counts
     * physical lines but reports the last line of a record that spans several, and the DuckDB reader
     * reports rows; both become the physical line where the record starts, found by walking the file
     * with the dialect it was read with. Scans lazily, only when an error needs it.
     */
    private PostgresErrors.Lines lines(LoadFile f, PostgresFileReader.Shape shape, TreeMap<Long, Reject> skipped) {
        int columns = shape == null ? 0 : shape.columns().size();
        if (shape == null || shape.csv().isEmpty() || spec.encoding() == TableSpec.Encoding.UTF_16) {
            return new PostgresErrors.Lines() {
                @Override
                public long line(long reported) {
                    return sourceLine(f, skipped, reported);
                }

                @Override
                public java.util.OptionalInt fields(long line) {
                    return java.util.OptionalInt.empty();
                }

                @Override
                public OptionalLong unterminatedQuote() {
                    return OptionalLong.empty();
                }

                @Override
                public int columns() {
                    return columns;
                }
            };
        }
        PostgresFileReader.CsvDialect d = shape.csv().get();
        boolean direct = !usesReader(f);
        return new PostgresErrors.Lines() {
            private PostgresCsvScan.Found scan(java.util.function.Predicate<PostgresCsvScan.Record> stop) {
                LoadFile s = source(f);
                try (InputStream in = PostgresFiles.open(s.path(), s.format().compression())) {
                    return PostgresCsvScan.scan(in, d.delimiter(), d.quote(), d.escape(), stop);
                } catch (IOException e) {
                    return new PostgresCsvScan.Found(Optional.empty(), OptionalLong.empty());
                }
            }

            @Override
            public long line(long reported) {
                if (direct) {
                    long physical = reported;
                    if (reported > 1) {
                        // COPY learns the line end at the first record's end, so line feeds inside that record's quoted
                        // values are not in its count: MySQL-style files un-escaped start with such records
                        physical += scan(r -> r.number() == 1).record().map(r -> r.lastLine() - r.firstLine()).orElse(0L);
                    }
                    long at = physical;
                    return scan(r -> r.holds(at)).record().map(r -> inputLine(f, r.firstLine())).orElse(inputLine(f, reported));
                }
                long number = sourceRow(skipped, reported) + (d.header() ? 1 : 0);
                return scan(r -> r.number() == number).record().map(r -> inputLine(f, r.firstLine())).orElse(sourceLine(f, skipped, reported));
            }

            @Override
            public java.util.OptionalInt fields(long line) {
                long read = readLine(f, line);
                return scan(r -> r.firstLine() == read).record().map(r -> java.util.OptionalInt.of(r.fields())).orElse(java.util.OptionalInt.empty());
            }

            @Override
            public OptionalLong unterminatedQuote() {
                OptionalLong at = scan(r -> false).unterminatedQuote();
                return at.isPresent() ? OptionalLong.of(inputLine(f, at.getAsLong())) : at;
            }

            @Override
            public int columns() {
                return columns;
            }
        };
    }

    private static boolean isDelimited(LoadFile f) {
        return f.format().kind() == FileFormat.Kind.CSV || f.format().kind() == FileFormat.Kind.TSV;
    }

    /** Whether DuckDB reads the file (JSON, Parquet, CSV with rows to skip) rather than COPY reading it directly. */
    private boolean usesReader(LoadFile f) {
        return !isDelimited(f) || spec.maxBadRows() > 0 || lastShapeNeedsReader.getOrDefault(f, false);
    }

    private final Map<LoadFile, Boolean> lastShapeNeedsReader = new HashMap<>();

    /** A table's columns: names in table order, type and comment by lower-case name. */
    private record Columns(List<String> names, Map<String, String> types, Map<String, String> comments) {
    }

    private record Table(Columns columns, boolean created, List<String> fileTargets, List<String> fileTypes) {
    }

    /** Column name (lower case) -> (name, type as {@code format_type} gives it), in table order; empty if the table does not exist. */
    private Columns tableColumns(Connection c) throws SQLException {
        List<String> names = new ArrayList<>();
        Map<String, String> types = new LinkedHashMap<>();
        Map<String, String> comments = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.attname, format_type(a.atttypid, a.atttypmod), col_description(a.attrelid, a.attnum) FROM pg_attribute a
                JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = ? AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum""")) {
            ps.setString(1, table.dataset());
            ps.setString(2, table.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                    types.put(rs.getString(1).toLowerCase(Locale.ROOT), rs.getString(2));
                    if (rs.getString(3) != null) {
                        comments.put(rs.getString(1).toLowerCase(Locale.ROOT), rs.getString(3));
                    }
                }
            }
        }
        return new Columns(names, types, comments);
    }

    /**
     * Creates the table from the file's columns, or adds the file's new columns and widens columns
     * to text, under transaction-scoped row locks on the schema's and the table's slots: workers that
     * start on a brand-new table at the same moment take turns, and each one looks again after
     * getting the lock.
     */
    /**
     * Whether a delimited file gave fewer rows than it holds records, by a count that does not trust
     * DuckDB's reader: a quote that opens in the header and never closes made it read 0 rows
     * without an error (issue 11 item 3).
     */
    /** The dialect the file's records are counted in: the original's, escapes and all, not the copy written from it. */
    private CsvRecords.Dialect countingDialect(LoadFile f, PostgresFileReader.Shape shape) {
        PostgresFileReader.CsvDialect d = shape.csv().orElseThrow();
        Unescaped u = unescaped.get(f);
        if (u != null) {
            return new CsvRecords.Dialect(u.delimiter(), CsvQuoting.NONE, u.escape(), d.header(), shape.columns().size());
        }
        return new CsvRecords.Dialect(d.delimiter(), d.quote(), d.escape(), d.header(), shape.columns().size());
    }

    /** Counts the records of a delimited file on another thread; completes exceptionally with the read's IOException. */
    private java.util.concurrent.CompletableFuture<CsvRecords.Count> countRecords(LoadFile f, PostgresFileReader.Shape shape) {
        if (shape.csv().isEmpty()) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        CsvRecords.Dialect dialect = countingDialect(f, shape);
        java.nio.charset.Charset charset = spec.encoding().charset();
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try (java.io.InputStream in = PostgresFiles.open(f.path(), f.format().compression())) {
                return CsvRecords.count(in, charset, dialect);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private Optional<LoadError> missingRecords(LoadFile f, PostgresFileReader.Shape shape, long read,
            java.util.concurrent.CompletableFuture<CsvRecords.Count> counting) {
        if (shape.csv().isEmpty()) {
            return Optional.empty();
        }
        PostgresFileReader.CsvDialect d = shape.csv().get();
        CsvRecords.Dialect dialect = countingDialect(f, shape);
        CsvRecords.Count count;
        OptionalLong missingFrom = OptionalLong.empty();
        try {
            try {
                count = counting.join();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : new java.io.IOException(e.getCause());
            }
            if (count.unterminatedQuoteLine().isEmpty() && read < count.records()) {
                try (java.io.InputStream again = PostgresFiles.open(f.path(), f.format().compression())) {
                    missingFrom = CsvRecords.lineOfRecord(again, spec.encoding().charset(), dialect, read + 1);
                }
            }
        } catch (java.io.IOException e) {
            return Optional.of(LoadError.of(ErrorCode.MALFORMED, f.version().key() + ": cannot read the file: " + e.getMessage()));
        }
        String key = f.version().key();
        if (count.unterminatedQuoteLine().isPresent()) {
            long line = count.unterminatedQuoteLine().getAsLong();
            return Optional.of(new LoadError(ErrorCode.MALFORMED, key + " line " + line + ": expected a closing quote (" + d.quote()
                    + "), found an unterminated quote: the value is still open at the end of the file", OptionalLong.of(line), Optional.empty(), Optional.empty(),
                    Optional.of("closing quote")));
        }
        if (read < count.records()) {
            String at = missingFrom.isPresent() ? " line " + missingFrom.getAsLong() + ":" : ":";
            return Optional.of(new LoadError(ErrorCode.MALFORMED, key + at + " expected " + count.records() + " rows (the records of the file), the reader found "
                    + read + (missingFrom.isPresent() ? ", none from this line on" : "") + "; nothing of the file is loaded", missingFrom, Optional.empty(),
                    Optional.empty(), Optional.of(count.records() + " rows")));
        }
        return Optional.empty();
    }

    private Table ensureTable(Connection c, PostgresFileReader.Shape shape) throws SQLException {
        List<String> fileNames = new ArrayList<>();
        List<String> fileTypes = new ArrayList<>();
        List<String> fullNames = new ArrayList<>();
        Map<String, String> firstFull = new HashMap<>();
        for (PostgresFileReader.Column col : shape.columns()) {
            // longer than PostgreSQL keeps: a shortened name of its own, the same for every file with that header
            String name = PostgresNames.column(col.name());
            String lower = name.toLowerCase(Locale.ROOT);
            String before = firstFull.putIfAbsent(lower, col.name());
            if (before != null) {
                throw new ChuteException(ErrorCode.SCHEMA_CONFLICT, before.equalsIgnoreCase(col.name())
                        ? "column '" + col.name() + "' appears twice (names are case-insensitive); expected distinct column names"
                        : "columns '" + PostgresErrors.shorten(before) + "' and '" + PostgresErrors.shorten(col.name()) + "' both become column '" + name
                                + "' in PostgreSQL (names longer than 63 bytes are shortened); expected distinct column names");
            }
            String configured = spec.columnTypes().entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(col.name()) || e.getKey().equalsIgnoreCase(name))
                    .map(Map.Entry::getValue).findFirst().orElse(null);
            String type = configured != null ? PostgresTypes.configured(configured)
                    : forceText.contains(lower) ? PostgresTypes.TEXT
                    : forceNumeric.contains(lower) ? PostgresTypes.NUMERIC : PostgresTypes.fromDuckDb(col.duckType());
            fileNames.add(name);
            fullNames.add(col.name());
            fileTypes.add(type);
        }
        Columns existing = tableColumns(c);
        java.util.Optional<ChuteException> undeclared = dev.chute.sql.DeclaredColumns.missing(table, spec, fullNames,
                // a name PostgreSQL shortened may be declared as such too
                java.util.stream.Stream.concat(existing.types.keySet().stream(), fileNames.stream()).toList());
        if (undeclared.isPresent()) {
            throw undeclared.get();
        }
        boolean created = false;
        if (needsChange(existing, fileNames)) {
            PostgresLocks.lock(c, PostgresLocks.Space.SCHEMA, table.dataset());
            boolean schemaExists;
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
                ps.setString(1, table.dataset());
                try (ResultSet rs = ps.executeQuery()) {
                    schemaExists = rs.next();
                }
            }
            if (!schemaExists) {
                exec(c, "CREATE SCHEMA " + Pg.ident(table.dataset()));
                warehouse.console().schemaCreated(c, table.dataset());
            }
            PostgresLocks.lock(c, PostgresLocks.Space.TABLE, table.toString());
            existing = tableColumns(c);
            if (existing.names.isEmpty()) {
                List<String> defs = new ArrayList<>();
                for (int i = 0; i < fileNames.size(); i++) {
                    defs.add(Pg.ident(fileNames.get(i)) + " " + fileTypes.get(i));
                }
                if (spec.lineage()) {
                    defs.addAll(lineageDefinitions());
                }
                exec(c, "CREATE TABLE " + qualified() + " (" + String.join(", ", defs) + ")");
                for (int i = 0; i < fileNames.size(); i++) {
                    commentIfShortened(c, fileNames.get(i), fullNames.get(i));
                }
                created = true;
            } else {
                for (int i = 0; i < fileNames.size(); i++) {
                    if (!existing.types.containsKey(fileNames.get(i).toLowerCase(Locale.ROOT))) {
                        exec(c, "ALTER TABLE " + qualified() + " ADD COLUMN " + Pg.ident(fileNames.get(i)) + " " + fileTypes.get(i));
                        commentIfShortened(c, fileNames.get(i), fullNames.get(i));
                    }
                }
                if (spec.lineage() && !existing.types.containsKey(TableSpec.LOAD_ID_COLUMN)) {
                    for (String def : lineageDefinitions()) {
                        exec(c, "ALTER TABLE " + qualified() + " ADD COLUMN IF NOT EXISTS " + def);
                    }
                }
            }
            existing = tableColumns(c);
            for (String col : widen) {
                String type = existing.types.get(col);
                if (type != null && !PostgresTypes.isText(type)) {
                    String name = existing.names.stream().filter(n -> n.toLowerCase(Locale.ROOT).equals(col)).findFirst().orElseThrow();
                    exec(c, "ALTER TABLE " + qualified() + " ALTER COLUMN " + Pg.ident(name) + " TYPE text USING " + Pg.ident(name) + "::text");
                }
            }
            existing = tableColumns(c);
        }
        List<String> targets = new ArrayList<>();
        List<String> types = new ArrayList<>();
        for (int i = 0; i < fileNames.size(); i++) {
            String name = fileNames.get(i);
            String lower = name.toLowerCase(Locale.ROOT);
            String comment = existing.comments.get(lower);
            if (!name.equals(fullNames.get(i)) && comment != null && !comment.equalsIgnoreCase(fullNames.get(i))) {
                // a shortened name is taken by another long name (its hash collided): never mix the two columns' values
                throw new ChuteException(ErrorCode.SCHEMA_CONFLICT, "column '" + PostgresErrors.shorten(fullNames.get(i)) + "' becomes column '" + name
                        + "' in PostgreSQL (names longer than 63 bytes are shortened), which holds column '" + PostgresErrors.shorten(comment)
                        + "' already; expected a header whose long names differ within their first 54 bytes");
            }
            targets.add(existing.names.stream().filter(n -> n.toLowerCase(Locale.ROOT).equals(lower)).findFirst().orElseThrow());
            types.add(existing.types.get(lower));
        }
        return new Table(existing, created, targets, types);
    }

    /** Keeps a shortened column's whole name where users find it: the column's comment. */
    private void commentIfShortened(Connection c, String name, String full) throws SQLException {
        if (!name.equals(full)) {
            exec(c, "COMMENT ON COLUMN " + qualified() + "." + Pg.ident(name) + " IS " + Pg.literal(full));
        }
    }

    private boolean needsChange(Columns existing, List<String> fileNames) {
        if (existing.names.isEmpty()) {
            return true;
        }
        for (String name : fileNames) {
            if (!existing.types.containsKey(name.toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        if (spec.lineage() && !existing.types.containsKey(TableSpec.LOAD_ID_COLUMN)) {
            return true;
        }
        for (String col : widen) {
            String type = existing.types.get(col);
            if (type != null && !PostgresTypes.isText(type)) {
                return true;
            }
        }
        return false;
    }

    /** Lineage columns whose defaults read this transaction's settings: COPY fills them without per-row work. */
    private static List<String> lineageDefinitions() {
        return List.of(
                Pg.ident(TableSpec.SOURCE_COLUMN) + " text DEFAULT _chute.lineage(" + Pg.literal(SOURCE_SETTING) + ")",
                Pg.ident(TableSpec.LOAD_ID_COLUMN) + " text DEFAULT _chute.lineage(" + Pg.literal(LOAD_ID_SETTING) + ")",
                Pg.ident(TableSpec.LOADED_AT_COLUMN) + " timestamptz DEFAULT now()");
    }

    private void replacePreviousVersions(Connection c, LoadFile f) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + qualified() + " WHERE " + Pg.ident(TableSpec.SOURCE_COLUMN) + " = ?")) {
            ps.setString(1, f.version().key());
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE _chute.ledger SET superseded = true WHERE table_name = ? AND object_key = ? AND checksum <> ?")) {
            ps.setString(1, table.toString());
            ps.setString(2, f.version().key());
            ps.setString(3, f.version().checksum());
            ps.executeUpdate();
        }
    }

    private static void setLocal(Connection c, String name, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT set_config(?, ?, true)")) {
            ps.setString(1, name);
            ps.setString(2, value);
            ps.executeQuery().close();
        }
    }

    /** COPYs one file's rows; CSV straight from the file when PostgreSQL reads it as DuckDB would, else through DuckDB. */
    private long copy(Connection c, PostgresFileReader reader, LoadFile f, PostgresFileReader.Shape shape, Table target) throws SQLException {
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        String columns = Pg.identList(target.fileTargets);
        TableSpec.Encoding encoding = spec.encoding();
        Optional<Character> quote = shape.csv().map(d -> d.quote());
        Optional<Character> escape = shape.csv().map(d -> d.escape());
        if (quote.isPresent() && quote.get() == CsvQuoting.NONE) {
            // COPY's CSV format always has a quote: one that never occurs in the file has none (issue 11 item 7)
            quote = encoding == TableSpec.Encoding.UTF_16 ? Optional.empty() : absentControlCharacter(f);
            escape = quote;
        }
        boolean direct = quote.isPresent() && shape.csv().get().isoDates() && spec.maxBadRows() == 0;
        lastShapeNeedsReader.put(f, !direct);
        if (direct) {
            PostgresFileReader.CsvDialect d = shape.csv().get();
            String sql = "COPY " + qualified() + " (" + columns + ") FROM STDIN WITH (FORMAT csv, HEADER " + d.header() + ", DELIMITER "
                    + Pg.literal(String.valueOf(d.delimiter())) + ", QUOTE " + Pg.literal(String.valueOf(quote.get())) + ", ESCAPE "
                    + Pg.literal(String.valueOf(escape.get())) + (encoding == TableSpec.Encoding.LATIN_1 ? ", ENCODING 'LATIN1'" : "") + ")";
            LoadFile s = source(f);
            try (InputStream in = PostgresFiles.open(s.path(), s.format().compression())) {
                if (encoding == TableSpec.Encoding.UTF_16) {
                    return copy.copyIn(sql, new InputStreamReader(in, encoding.charset()), 1 << 16);
                }
                return copy.copyIn(sql, in, 1 << 16);
            } catch (IOException e) {
                throw new ChuteException(ErrorCode.MALFORMED, "cannot read the " + f.format().compression().name().toLowerCase(Locale.ROOT)
                        + " content: " + e.getMessage(), e);
            }
        }
        String sql = "COPY " + qualified() + " (" + columns + ") FROM STDIN WITH (FORMAT csv)";
        CopyIn in = copy.copyIn(sql);
        try {
            Map<Long, String> text = new HashMap<>();
            TreeMap<Long, Reject> skipped = rejects.computeIfAbsent(f, x -> new TreeMap<>());
            NavigableSet<Long> skip = new TreeSet<>(skipped.keySet());
            reader.stream(source(f), shape, target.fileTypes, skip, text, (bytes, length) -> in.writeToCopy(bytes, 0, length));
            skippedText.put(f, text);
            return in.endCopy();
        } finally {
            if (in.isActive()) {
                try {
                    in.cancelCopy();
                } catch (SQLException e) {
                    // the transaction is rolled back to the savepoint anyway
                }
            }
        }
    }

    private final Map<LoadFile, Map<Long, String>> skippedText = new HashMap<>();

    /**
     * A quote for COPY that does not occur in a file read without quoting; empty (the file goes through
     * DuckDB's reader, with {@code quote = ''}) when every candidate occurs.
     */
    private static Optional<Character> absentControlCharacter(LoadFile f) {
        try {
            return PostgresFiles.absentControlCharacter(f.path(), f.format().compression());
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.MALFORMED, "cannot read the " + f.format().compression().name().toLowerCase(Locale.ROOT)
                    + " content: " + e.getMessage(), e);
        }
    }

    private void writeRejects(Connection c, LoadFile f, TreeMap<Long, Reject> skipped) throws SQLException {
        if (skipped.isEmpty()) {
            return;
        }
        Map<Long, String> text = skippedText.getOrDefault(f, Map.of());
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO _chute.rejects (table_name, object_key, load_id, line, column_name, error, csv_line,"
                + " rejected_at) VALUES (?, ?, ?, ?, ?, ?, ?, now())")) {
            for (Map.Entry<Long, Reject> e : skipped.entrySet()) {
                ps.setString(1, table.toString());
                ps.setString(2, f.version().key());
                ps.setString(3, batch.loadId());
                ps.setLong(4, e.getValue().line);
                ps.setString(5, e.getValue().column.orElse(null));
                ps.setString(6, PostgresWarehouse.noNul(e.getValue().error));
                ps.setString(7, Optional.ofNullable(text.get(e.getKey())).map(PostgresWarehouse::noNul).orElse(null));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private String qualified() {
        return Pg.qualified(table.dataset(), table.table());
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            // nothing more to undo
        }
    }
}
