package dev.chute.local;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which files some process (this one included: Chute itself only ever reads landing) holds open for writing, read from Linux's {@code /proc}: each
 * process's {@code fd} links name the files it has open, and {@code fdinfo} their open flags. A
 * writer that still has a file open is not done with it, whatever the watch said. Processes this
 * one may not look into (another user's, another container's) are not seen: where there is no
 * {@code /proc}, nothing is.
 */
final class OpenWriters {
    private static final Path PROC = Path.of("/proc");
    /** {@code O_WRONLY | O_RDWR}: the access mode bits of the open flags. */
    private static final int WRITE_ACCESS = 0b11;

    private OpenWriters() {
    }

    static boolean available() {
        return Files.isDirectory(PROC.resolve("self").resolve("fd"));
    }

    /** The files among {@code files} (absolute, real paths) that some process has open for writing. */
    static Set<Path> of(Collection<Path> files) {
        Set<Path> open = new HashSet<>();
        if (files.isEmpty() || !available()) {
            return open;
        }
        Map<String, Path> wanted = new HashMap<>();
        files.forEach(f -> wanted.put(f.toString(), f));
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(PROC, p -> isNumber(p.getFileName().toString()))) {
            for (Path process : processes) {
                scan(process, wanted, open);
                if (open.size() == wanted.size()) {
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // /proc changed under us or cannot be listed: what was seen so far is the answer
        }
        return open;
    }

    private static void scan(Path process, Map<String, Path> wanted, Set<Path> open) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
            for (Path fd : fds) {
                Path target;
                try {
                    target = Files.readSymbolicLink(fd);
                } catch (IOException | UnsupportedOperationException e) {
                    continue;
                }
                Path file = wanted.get(target.toString());
                if (file != null && !open.contains(file) && writable(process.resolve("fdinfo").resolve(fd.getFileName()))) {
                    open.add(file);
                }
            }
        } catch (IOException | RuntimeException e) {
            // a process that ended, or one we may not look into
        }
    }

    private static boolean writable(Path fdinfo) {
        try {
            for (String line : Files.readAllLines(fdinfo)) {
                if (line.startsWith("flags:")) {
                    return (Integer.parseInt(line.substring(6).trim(), 8) & WRITE_ACCESS) != 0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // no flags to read: count it as a writer, which only makes Chute wait
            return true;
        }
        return true;
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
