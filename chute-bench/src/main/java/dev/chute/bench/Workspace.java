package dev.chute.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A temporary directory under {@code java.io.tmpdir} holding everything of one run; deleted on close. */
final class Workspace implements AutoCloseable {
    private final Path root;

    private Workspace(Path root) {
        this.root = root;
    }

    static Workspace create() {
        try {
            return new Workspace(Files.createTempDirectory("chute-bench-"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the benchmark's temporary directory", e);
        }
    }

    Path root() {
        return root;
    }

    /** A new empty directory for one benchmark. */
    Path dir(String name) {
        try {
            return Files.createDirectories(root.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + root.resolve(name), e);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    @Override
    public void close() {
        deleteTree(root);
    }
}
