package dev.chute.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The files of one area of a home (landing, archive, failed), as keys relative to it. */
final class HomeFiles {
    private HomeFiles() {
    }

    /** Regular files under {@code dir} as sorted {@code a/b/c.csv} keys; empty if {@code dir} does not exist. */
    static List<String> keys(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        UncheckedIOException last = null;
        // a file that moves away while the tree is walked makes the walk fail: walk again
        for (int attempt = 0; attempt < 20; attempt++) {
            try (Stream<Path> walk = Files.walk(dir)) {
                return walk.filter(Files::isRegularFile)
                        .map(p -> dir.relativize(p).toString().replace(java.io.File.separatorChar, '/'))
                        .sorted()
                        .toList();
            } catch (IOException e) {
                last = new UncheckedIOException(e);
            } catch (UncheckedIOException e) {
                last = e;
            }
        }
        throw last;
    }
}
