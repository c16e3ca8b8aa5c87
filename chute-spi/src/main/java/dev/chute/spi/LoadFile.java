package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * One object of a {@link LoadBatch}: its version, a local file with its content (staged by the
 * engine under a safe name) and its format.
 */
public record LoadFile(ObjectVersion version, Path path, FileFormat format) {
    public LoadFile {
        requireNonNull(version, "version is null");
        requireNonNull(path, "path is null");
        requireNonNull(format, "format is null");
    }
}
