package dev.chute.server;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.QueryResult;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The dashboards of a Chute home: one {@code <id>.yaml} per dashboard in one directory
 * (normally {@code <home>/dashboards}). The files are the truth: nothing is cached, so a file
 * edited by hand shows on the next read. A save is validated first and then written atomically (a
 * dot-prefixed temporary file in the same directory, renamed over the target), so a reader never
 * sees half a file.
 *
 * <p>Thread-safe: the pipeline thread ({@link #ensureTableDashboard}) and HTTP threads (everything
 * else) may call it at the same time. Every method throws {@link ChuteException} with
 * {@link ErrorCode#CONFIGURATION} for bad input (an invalid id, invalid YAML) and with
 * {@link ErrorCode#INTERNAL} when the directory cannot be read or written.
 */
public final class DashboardStore {
    /** The seed dashboard, bundled in the jar. */
    public static final String DEFAULT_ID = "ecommerce";
    static final String DEFAULT_RESOURCE = "/dashboards/ecommerce.yaml";
    static final String SUFFIX = ".yaml";
    private static final int TOP_VALUES = 10;
    private static final int LATEST_ROWS = 20;
    /** Names such as {@code id}, {@code order_id}, {@code orderId}: columns whose top values say little. */
    private static final Pattern ID_LIKE = Pattern.compile("(?i:(.*[_\\- ])?(id|uuid|guid|key))|.*[a-z0-9](Id|ID|Uuid|UUID|Key)");
    /** Text that YAML reads back as the same string without quotes: no ': ', ' #', flow characters or leading indicator. */
    private static final Pattern PLAIN_SCALAR = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 _.()/-]*");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Object lock = new Object();

    public DashboardStore(Path dir) {
        this.dir = requireNonNull(dir, "dir is null");
    }

    /**
     * One line of the dashboards list. A file that cannot be parsed is listed with its
     * {@code error} (its title is then the id and it has 0 tiles) rather than hiding it or breaking
     * the list.
     */
    public record Entry(String id, String title, int tiles, Optional<String> error) {
        public Entry {
            requireNonNull(id, "id is null");
            requireNonNull(title, "title is null");
            requireNonNull(error, "error is null");
            if (tiles < 0) {
                throw new IllegalArgumentException("tiles is " + tiles + "; expected 0 or more");
            }
        }
    }

    public Path dir() {
        return dir;
    }

    /** Every dashboard file, sorted by id; a directory that does not exist yet has none. */
    public List<Entry> list() {
        synchronized (lock) {
            List<Entry> entries = new ArrayList<>();
            for (Path file : files()) {
                String name = file.getFileName().toString();
                if (name.endsWith(".yml")) {
                    String id = name.substring(0, name.length() - 4);
                    entries.add(new Entry(id, id, 0, Optional.of(origin(name) + ": dashboards are read from files named <id>.yaml; rename it to "
                            + id + SUFFIX)));
                    continue;
                }
                String id = name.substring(0, name.length() - SUFFIX.length());
                try {
                    Dashboard d = read(Dashboard.checkId(id), file).orElse(null);
                    if (d != null) {
                        entries.add(new Entry(d.id(), d.title(), d.tiles().size(), Optional.empty()));
                    }
                } catch (ChuteException e) {
                    // invalid or unreadable: one bad file must not hide the others
                    String message = e.getMessage().startsWith(origin(name)) ? e.getMessage() : origin(name) + ": " + e.getMessage();
                    entries.add(new Entry(id, id, 0, Optional.of(message)));
                }
            }
            entries.sort(Comparator.comparing(Entry::id));
            return List.copyOf(entries);
        }
    }

    /**
     * The dashboard {@code id}, or empty when there is no such file.
     *
     * @throws ChuteException {@link ErrorCode#CONFIGURATION} for an invalid id or a file that does not parse
     */
    public Optional<Dashboard> get(String id) {
        Dashboard.checkId(requireNonNull(id, "id is null"));
        synchronized (lock) {
            return read(id, file(id));
        }
    }

    /**
     * Validates {@code yaml} and writes it as dashboard {@code id} (created or replaced), atomically.
     *
     * @return the saved dashboard, parsed
     * @throws ChuteException {@link ErrorCode#CONFIGURATION} naming the field for invalid YAML; nothing is written then
     */
    public Dashboard save(String id, String yaml) {
        Dashboard.checkId(requireNonNull(id, "id is null"));
        requireNonNull(yaml, "yaml is null");
        Dashboard dashboard = Dashboard.parse(id, yaml, origin(id + SUFFIX));
        synchronized (lock) {
            write(id, yaml);
        }
        return dashboard;
    }

    /** Deletes dashboard {@code id}; false when there was none. */
    public boolean delete(String id) {
        Dashboard.checkId(requireNonNull(id, "id is null"));
        synchronized (lock) {
            try {
                return Files.deleteIfExists(file(id));
            } catch (IOException e) {
                throw io("cannot delete " + file(id), e);
            }
        }
    }

    /**
     * Writes the bundled {@code ecommerce.yaml} when the directory holds no dashboard yet
     * (creating the directory). Called once at start.
     *
     * @return whether it was written
     */
    public boolean installDefaults() {
        String yaml = defaultYaml();
        Dashboard.parse(DEFAULT_ID, yaml, DEFAULT_RESOURCE);
        synchronized (lock) {
            if (!files().isEmpty()) {
                return false;
            }
            write(DEFAULT_ID, yaml);
            return true;
        }
    }

    /**
     * Writes an overview dashboard {@code <dataset>-<table>.yaml} for a table Chute has just
     * created, unless that file exists (a dashboard once written is the user's: edits and
     * deletions are respected only in the sense that an existing file is never replaced).
     * Tiles: total rows; files and rows loaded per day when the table has lineage columns; rows per
     * day over the first date or timestamp column; the top values of the first text column (one
     * that does not look like an identifier if there is one); the latest rows.
     *
     * <p>Every name in the tiles' SQL (dataset, table, columns, the tiles' own column names) is
     * quoted with {@code quote}, the warehouse's own quoting ({@link dev.chute.spi.Warehouse#quoteIdentifier}):
     * whether a name is a keyword depends on the engine and its version, so none is left bare (issue
     * 13). Groups and orders refer to the select list by position, because a table column with the
     * name of an output column ({@code day}, {@code value}) would otherwise be taken instead.
     *
     * @param columns the table's columns as the warehouse reports them (lineage columns included)
     * @return whether the file was written
     */
    public boolean ensureTableDashboard(TableId table, List<QueryResult.Column> columns, UnaryOperator<String> quote) {
        requireNonNull(table, "table is null");
        requireNonNull(columns, "columns is null");
        requireNonNull(quote, "quote is null");
        Optional<String> id = tableDashboardId(table);
        if (id.isEmpty()) {
            return false;
        }
        String yaml = tableDashboardYaml(table, columns, quote);
        Dashboard.parse(id.get(), yaml, origin(id.get() + SUFFIX));
        synchronized (lock) {
            if (Files.exists(file(id.get()))) {
                return false;
            }
            write(id.get(), yaml);
            return true;
        }
    }

    /**
     * The id of a table's overview dashboard: {@code <dataset>-<table>}, without leading
     * underscores and cut to 64 characters; empty for the (odd) table names that leave nothing.
     */
    public static Optional<String> tableDashboardId(TableId table) {
        requireNonNull(table, "table is null");
        String id = (table.dataset() + "-" + table.table()).replaceFirst("^[_-]+", "");
        if (id.length() > 64) {
            id = id.substring(0, 64);
        }
        return Dashboard.ID.matcher(id).matches() ? Optional.of(id) : Optional.empty();
    }

    /** The YAML of a table's overview dashboard (see {@link #ensureTableDashboard}). */
    static String tableDashboardYaml(TableId table, List<QueryResult.Column> columns, UnaryOperator<String> q) {
        String from = q.apply(table.dataset()) + "." + q.apply(table.table());
        // a name with a line break cannot be written inside the YAML block of a tile's SQL, nor one with {{ (a placeholder's start)
        List<QueryResult.Column> data = columns.stream()
                .filter(c -> !c.name().startsWith("_chute_") && c.name().chars().noneMatch(Character::isISOControl) && !c.name().contains("{{"))
                .toList();
        boolean loadedAt = columns.stream().anyMatch(c -> c.name().equals(TableSpec.LOADED_AT_COLUMN));
        boolean source = columns.stream().anyMatch(c -> c.name().equals(TableSpec.SOURCE_COLUMN));
        Optional<QueryResult.Column> time = data.stream().filter(c -> isTemporal(c.type())).findFirst();
        Optional<QueryResult.Column> text = data.stream().filter(c -> isText(c.type()) && !ID_LIKE.matcher(c.name()).matches()).findFirst()
                .or(() -> data.stream().filter(c -> isText(c.type())).findFirst());

        StringBuilder yaml = new StringBuilder()
                .append("# Written by Chute when it created the table ").append(table)
                .append(". Edit it freely: Chute never overwrites this file.\n")
                .append("title: ").append(scalar(table.toString())).append('\n')
                .append("refresh: ").append(Dashboard.durationText(Dashboard.DEFAULT_REFRESH)).append('\n')
                .append("time_range: ").append(DashboardTimeRange.ALL.text()).append('\n')
                .append("tiles:\n");
        String rowCount = q.apply("row_count");
        appendTile(yaml, "Rows", "number", List.of("SELECT count(*) AS " + rowCount, "FROM " + from), null, 1);
        if (source) {
            appendTile(yaml, "Files loaded", "number",
                    List.of("SELECT count(DISTINCT " + q.apply(TableSpec.SOURCE_COLUMN) + ") AS " + q.apply("files"), "FROM " + from), null, 1);
        }
        if (loadedAt) {
            appendTile(yaml, "Rows loaded per day", "bar", perDay(from, q.apply(TableSpec.LOADED_AT_COLUMN), q), "day", 2);
        }
        time.ifPresent(c -> appendTile(yaml, "Rows per day by " + c.name(), "line", perDay(from, q.apply(c.name()), q), "day", 2));
        text.ifPresent(c -> appendTile(yaml, "Top " + TOP_VALUES + " values of " + c.name(), "bar", List.of(
                "SELECT coalesce(" + q.apply(c.name()) + ", '(null)') AS " + q.apply("value") + ", count(*) AS " + rowCount,
                "FROM " + from,
                "GROUP BY 1",
                "ORDER BY 2 DESC, 1",
                "LIMIT " + TOP_VALUES), "value", 2));
        Optional<String> newest = time.map(c -> q.apply(c.name()))
                .or(() -> loadedAt ? Optional.of(q.apply(TableSpec.LOADED_AT_COLUMN)) : Optional.empty());
        List<String> latest = new ArrayList<>(List.of("SELECT *", "FROM " + from));
        newest.ifPresent(c -> latest.add("ORDER BY " + c + " DESC NULLS LAST"));
        latest.add("LIMIT " + LATEST_ROWS);
        appendTile(yaml, newest.isPresent() ? "Latest rows" : "Sample rows", "table", latest, null, 4);
        return yaml.toString();
    }

    private static List<String> perDay(String from, String column, UnaryOperator<String> q) {
        return List.of(
                "SELECT CAST(" + column + " AS DATE) AS " + q.apply("day") + ", count(*) AS " + q.apply("row_count"),
                "FROM " + from,
                "WHERE " + column + " >= {{from}} AND " + column + " < {{to}}",
                "GROUP BY 1",
                "ORDER BY 1");
    }

    /** One tile; {@code x} is null for a number or a table, which name no value column either. */
    private static void appendTile(StringBuilder yaml, String title, String chart, List<String> sql, String x, int width) {
        yaml.append("  - title: ").append(scalar(title)).append('\n')
                .append("    chart: ").append(chart).append('\n')
                .append("    sql: |\n");
        sql.forEach(line -> yaml.append("      ").append(line).append('\n'));
        if (x != null) {
            yaml.append("    x: ").append(x).append('\n')
                    .append("    y: [row_count]\n");
        }
        yaml.append("    width: ").append(width).append('\n');
    }

    /** A YAML scalar: plain when that is unambiguous, else double-quoted (a JSON string is a valid one). */
    private static String scalar(String value) {
        if (PLAIN_SCALAR.matcher(value).matches()) {
            return value;
        }
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.INTERNAL, "cannot quote '" + value + "' for YAML: " + e.getMessage(), e);
        }
    }

    private static boolean isTemporal(String type) {
        String t = type.toUpperCase(Locale.ROOT);
        return t.equals("DATE") || t.startsWith("TIMESTAMP") || t.startsWith("DATETIME");
    }

    private static boolean isText(String type) {
        String t = type.toUpperCase(Locale.ROOT);
        return t.equals("VARCHAR") || t.startsWith("VARCHAR(") || t.equals("TEXT") || t.equals("STRING")
                || t.startsWith("CHAR") || t.startsWith("CHARACTER") || t.equals("BPCHAR");
    }

    private static String defaultYaml() {
        try (InputStream in = DashboardStore.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new ChuteException(ErrorCode.INTERNAL, "the bundled dashboard " + DEFAULT_RESOURCE + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.INTERNAL, "cannot read the bundled dashboard " + DEFAULT_RESOURCE + ": " + e.getMessage(), e);
        }
    }

    /** Dashboard files ({@code *.yaml}, and {@code *.yml} to point at them), without hidden and temporary files. */
    private List<Path> files() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                String name = p.getFileName().toString();
                if (!name.startsWith(".") && (name.endsWith(SUFFIX) || name.endsWith(".yml")) && Files.isRegularFile(p)) {
                    files.add(p);
                }
            }
        } catch (IOException e) {
            throw io("cannot list " + dir, e);
        }
        return files;
    }

    private Optional<Dashboard> read(String id, Path file) {
        String yaml;
        try {
            yaml = Files.readString(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (CharacterCodingException e) {
            throw new ChuteException(ErrorCode.CONFIGURATION, origin(id + SUFFIX) + " is not UTF-8 text");
        } catch (IOException e) {
            throw io("cannot read " + file, e);
        }
        return Optional.of(Dashboard.parse(id, yaml, origin(id + SUFFIX)));
    }

    private void write(String id, String yaml) {
        Path target = file(id);
        Path temp = dir.resolve("." + id + SUFFIX + "." + UUID.randomUUID() + ".tmp");
        try {
            Files.createDirectories(dir);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer bytes = ByteBuffer.wrap(yaml.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                // the rename must not become visible before the content survives a crash
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // the original failure is the one to report
            }
            throw io("cannot write " + target, e);
        }
    }

    private Path file(String id) {
        return dir.resolve(id + SUFFIX);
    }

    /** How messages name a file: relative to the home, such as {@code dashboards/ecommerce.yaml}. */
    private String origin(String fileName) {
        Path name = dir.getFileName();
        return (name == null ? "" : name + "/") + fileName;
    }

    private static ChuteException io(String message, IOException e) {
        return new ChuteException(ErrorCode.INTERNAL, message + ": " + e, e);
    }
}
