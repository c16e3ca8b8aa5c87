package dev.chute.testkit.contract;

import static java.util.Objects.requireNonNull;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.Pipeline;
import dev.chute.core.PipelineListener;
import dev.chute.spi.QueryResult;
import dev.chute.spi.TableId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One Chute in a temporary home, on whichever warehouse a contract test runs against: the local
 * store with its filesystem watch, the real pipeline, and helpers to drop files the way producers
 * do and to read what the warehouse committed. Shared by the warehouse contract tests of every
 * warehouse module, so a promise is checked once and proven on each warehouse.
 */
public final class ChuteHome implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path home;
    private final Chute chute;

    private ChuteHome(Path home, Chute chute) {
        this.home = home;
        this.chute = chute;
    }

    /**
     * Opens (and, with {@code run}, starts) Chute in {@code home} with the given warehouse section
     * (YAML, starting with {@code warehouse:}) and any further configuration.
     */
    public static ChuteHome open(Path home, String warehouseYaml, String moreYaml, boolean run) {
        requireNonNull(home, "home is null");
        String yaml = requireNonNull(warehouseYaml, "warehouseYaml is null") + "\n" + requireNonNull(moreYaml, "moreYaml is null");
        Chute chute = Chute.open(home, ChuteConfig.parse(yaml, "contract test"), run, PipelineListener.NONE);
        if (run) {
            chute.start();
        }
        return new ChuteHome(home, chute);
    }

    public Chute chute() {
        return chute;
    }

    public Path home() {
        return home;
    }

    public Path landing(String key) {
        return home.resolve("landing").resolve(key);
    }

    public Path archive(String key) {
        return home.resolve("archive").resolve(key);
    }

    public Path failed(String key) {
        return home.resolve("failed").resolve(key);
    }

    /** Writes a file beside landing and renames it in, as a well-behaved producer does. */
    public Path drop(String key, byte[] content) {
        try {
            Path target = landing(key);
            Files.createDirectories(target.getParent());
            Path temp = Files.createTempFile(home, "drop", ".tmp");
            Files.write(temp, content);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path drop(String key, String content) {
        return drop(key, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Moves several files into landing with one rename each, as fast as the file system allows. */
    public void dropAll(java.util.Map<String, byte[]> files) {
        try {
            Path temp = Files.createTempDirectory(home, "batch");
            int n = 0;
            java.util.Map<Path, Path> moves = new java.util.LinkedHashMap<>();
            for (var e : files.entrySet()) {
                Path source = temp.resolve(Integer.toString(n++));
                Files.write(source, e.getValue());
                Path target = landing(e.getKey());
                Files.createDirectories(target.getParent());
                moves.put(source, target);
            }
            for (var e : moves.entrySet()) {
                Files.move(e.getKey(), e.getValue(), StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until {@code key} is archived and gone from landing. */
    public void awaitArchived(String key) {
        await().atMost(WAIT).until(() -> Files.exists(archive(key)) && !Files.exists(landing(key)));
    }

    /** Waits until {@code key} is in failed/ with its sidecar, and returns the sidecar. */
    public JsonNode awaitFailed(String key) {
        Path sidecar = failed(key + ".error.json");
        await().atMost(WAIT).until(() -> Files.exists(sidecar) && Files.exists(failed(key)));
        try {
            return JSON.readTree(sidecar.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads files in place, as {@code chute load} does. */
    public List<Pipeline.OneShotResult> load(List<Path> paths, Optional<TableId> table) {
        return chute.load(paths, table, PipelineListener.NONE);
    }

    public QueryResult query(String sql) {
        return chute.warehouse().query(sql, 1_000_000, Duration.ofSeconds(60));
    }

    public Object scalar(String sql) {
        return query(sql).rows().get(0).get(0);
    }

    public long count(String table) {
        return ((Number) scalar("SELECT count(*) FROM " + table)).longValue();
    }

    /** Rows committed for an object according to the ledger, or -1 when it has no ledger entry. */
    public long ledgerRows(String key) {
        QueryResult r = query("SELECT coalesce(sum(" + "\"rows\"" + "), -1) FROM _chute.ledger WHERE object_key = '" + key.replace("'", "''") + "'");
        return ((Number) r.rows().get(0).get(0)).longValue();
    }

    /** Every value of one column of a query, as text. */
    public List<String> column(String sql) {
        return query(sql).rows().stream().map(row -> row.get(0) == null ? null : row.get(0).toString()).toList();
    }

    @Override
    public void close() {
        chute.close();
    }
}
