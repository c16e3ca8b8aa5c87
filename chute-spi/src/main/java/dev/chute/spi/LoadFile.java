package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One object of a {@link LoadBatch}: its version, where the warehouse reads its content, and its
 * format. Engines that read local files (DuckDB, PostgreSQL through COPY) get {@code localPath}: a
 * copy or link the engine staged under a safe, generated name. Warehouses that read the store
 * themselves ({@link Warehouse#readsStoreDirectly()}, such as BigQuery from {@code gs://}) get
 * {@code uri} and no bytes.
 *
 * <p>A {@code continuation} holds only what was appended to an object whose earlier version (a
 * prefix of this one) is committed already: a file that grew in place. Its rows are added to the
 * earlier ones and never replace them, whatever {@link TableSpec#onOverwrite()} says; for CSV and
 * TSV with a header, the staged file starts with a copy of the object's first line.
 */
public record LoadFile(ObjectVersion version, Optional<Path> localPath, Optional<URI> uri, FileFormat format, boolean continuation) {
    public LoadFile {
        requireNonNull(version, "version is null");
        requireNonNull(localPath, "localPath is null");
        requireNonNull(uri, "uri is null");
        requireNonNull(format, "format is null");
        if (localPath.isEmpty() && uri.isEmpty()) {
            throw new IllegalArgumentException("a file to load needs a local path or a URI: " + version.key());
        }
    }

    public LoadFile(ObjectVersion version, Optional<Path> localPath, Optional<URI> uri, FileFormat format) {
        this(version, localPath, uri, format, false);
    }

    public LoadFile(ObjectVersion version, Path path, FileFormat format) {
        this(version, Optional.of(requireNonNull(path, "path is null")), Optional.empty(), format, false);
    }

    /** The staged local file; only for warehouses that read local files. */
    public Path path() {
        return localPath.orElseThrow(() -> new IllegalStateException(version.key() + " was not staged locally; read it from " + uri.orElseThrow()));
    }
}
