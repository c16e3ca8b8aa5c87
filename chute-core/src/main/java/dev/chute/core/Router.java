package dev.chute.core;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.FileFormat;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSpec;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Maps an object key to a table. Routes from configuration are tried first, in order; otherwise the
 * seed's convention applies: {@code <dataset>/<table>/<any/sub/path/file.ext>} goes to
 * {@code dataset.table}. A key that fits neither fails with the reason: nothing is ever loaded into
 * a guessed table.
 */
public final class Router {
    private final ChuteConfig config;
    private final List<CompiledRoute> routes;

    public Router(ChuteConfig config) {
        this.config = requireNonNull(config, "config is null");
        this.routes = config.routes().stream()
                .map(r -> new CompiledRoute(r, FileSystems.getDefault().getPathMatcher("glob:" + r.match())))
                .toList();
    }

    /** Whether a key names a file that is still being written or is hidden: it is skipped until renamed. */
    public static boolean ignored(String key) {
        return whyIgnored(key).isPresent();
    }

    /** Why {@link #ignored} skips a key, for status pages; empty when it does not. */
    public static Optional<String> whyIgnored(String key) {
        for (String segment : key.split("/")) {
            if (segment.startsWith(".")) {
                return Optional.of("hidden name (a part starts with '.'): skipped until renamed");
            }
        }
        String name = key.substring(key.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        if (name.endsWith(".tmp") || name.endsWith(".part") || name.endsWith(".crdownload") || name.endsWith("~")) {
            return Optional.of("temporary name (.tmp, .part, .crdownload, ~): skipped until renamed");
        }
        return Optional.empty();
    }

    /** The table a landing key routes to, or empty when it does not route. */
    public Optional<TableId> tableOf(String key) {
        try {
            return Optional.of(route(key).table());
        } catch (ChuteException e) {
            return Optional.empty();
        }
    }

    /** Routes a key in landing; throws {@link ErrorCode#UNROUTABLE} or {@link ErrorCode#UNSUPPORTED_FORMAT}. */
    public Route route(String key) {
        requireNonNull(key, "key is null");
        for (CompiledRoute r : routes) {
            if (r.matcher.matches(Path.of(key))) {
                TableSpec spec = r.route.spec().orElseGet(() -> config.tableSpec(r.route.table()));
                return new Route(r.route.table(), spec, format(key, spec));
            }
        }
        String[] segments = key.split("/");
        if (segments.length < 3) {
            throw new ChuteException(ErrorCode.UNROUTABLE,
                    "cannot route '" + key + "': expected a key of the form <dataset>/<table>/<file>, found " + segments.length
                            + " segment" + (segments.length == 1 ? "" : "s") + " and no matching route in the configuration");
        }
        TableId table;
        try {
            table = new TableId(segments[0], segments[1]);
        } catch (ChuteException e) {
            throw new ChuteException(ErrorCode.UNROUTABLE, "cannot route '" + key + "': " + e.getMessage());
        }
        TableSpec spec = config.tableSpec(table);
        return new Route(table, spec, format(key, spec));
    }

    /** Routes a file given on the command line to an explicit table. */
    public Route routeTo(TableId table, String fileName) {
        TableSpec spec = config.tableSpec(table);
        return new Route(table, spec, format(fileName, spec));
    }

    private static FileFormat format(String key, TableSpec spec) {
        try {
            return formatOf(key, spec);
        } catch (ChuteException e) {
            if (e.code() != ErrorCode.UNSUPPORTED_FORMAT || e.getMessage().startsWith("cannot load '")) {
                throw e;
            }
            // FileFormat names the file or nothing; the message should name the whole key
            throw new ChuteException(ErrorCode.UNSUPPORTED_FORMAT, "cannot load '" + key + "': " + e.getMessage(), e);
        }
    }

    private static FileFormat formatOf(String key, TableSpec spec) {
        String name = key.substring(key.lastIndexOf('/') + 1);
        String lower = name.toLowerCase(Locale.ROOT);
        if (spec.format().isPresent()) {
            FileFormat.Compression compression = lower.endsWith(".gz") ? FileFormat.Compression.GZIP
                    : lower.endsWith(".zst") ? FileFormat.Compression.ZSTD : FileFormat.Compression.NONE;
            return new FileFormat(spec.format().get(), compression);
        }
        return FileFormat.fromFileName(name).orElseThrow(() -> new ChuteException(ErrorCode.UNSUPPORTED_FORMAT,
                "cannot load '" + key + "': expected a file name ending in .csv, .tsv, .txt, .json, .jsonl, .ndjson or .parquet"
                        + " (optionally .gz or .zst) or .avro, found '" + name + "'; set 'format' for the table to load other names"));
    }

    public record Route(TableId table, TableSpec spec, FileFormat format) {
        public Route {
            requireNonNull(table, "table is null");
            requireNonNull(spec, "spec is null");
            requireNonNull(format, "format is null");
        }
    }

    private record CompiledRoute(ChuteConfig.Route route, PathMatcher matcher) {
    }
}
