package dev.chute.local;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.ObjectInfo;
import dev.chute.spi.ObjectRef;
import dev.chute.spi.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Landing, archive and failed as three directories (by default {@code <home>/landing},
 * {@code <home>/archive}, {@code <home>/failed}). Moves are hard link + unlink, so a target is
 * never overwritten and a crash in between leaves both names on one inode, which the next
 * {@link #move} call finishes.
 */
public final class LocalObjectStore implements ObjectStore {
    private final Map<ObjectRef.Area, Path> roots = new EnumMap<>(ObjectRef.Area.class);

    public LocalObjectStore(Path landing, Path archive, Path failed) {
        roots.put(ObjectRef.Area.LANDING, prepare(requireNonNull(landing, "landing is null")));
        roots.put(ObjectRef.Area.ARCHIVE, prepare(requireNonNull(archive, "archive is null")));
        roots.put(ObjectRef.Area.FAILED, prepare(requireNonNull(failed, "failed is null")));
    }

    public static LocalObjectStore inHome(Path home) {
        return new LocalObjectStore(home.resolve("landing"), home.resolve("archive"), home.resolve("failed"));
    }

    private static Path prepare(Path dir) {
        try {
            Files.createDirectories(dir);
            return dir.toRealPath();
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot create directory " + dir + ": " + e, e);
        }
    }

    @Override
    public String describe() {
        return "local:" + roots.get(ObjectRef.Area.LANDING).getParent();
    }

    @Override
    public Optional<Path> localRoot(ObjectRef.Area area) {
        return Optional.of(roots.get(area));
    }

    @Override
    public java.util.Set<String> beingWritten(ObjectRef.Area area, java.util.Collection<String> keys) {
        Map<Path, String> byPath = new java.util.HashMap<>();
        for (String key : keys) {
            try {
                byPath.put(path(new ObjectRef(area, key)).toRealPath(), key);
            } catch (IOException | RuntimeException e) {
                // gone or not a valid key: nobody writes it
            }
        }
        java.util.Set<String> open = new java.util.HashSet<>();
        OpenWriters.of(byPath.keySet()).forEach(p -> open.add(byPath.get(p)));
        return open;
    }

    /** The file behind a reference; refuses keys that would leave the area's directory. */
    public Path path(ObjectRef ref) {
        Path root = roots.get(ref.area());
        Path resolved = root.resolve(ref.key()).normalize();
        if (!resolved.startsWith(root) || resolved.equals(root)) {
            throw new ChuteException(ErrorCode.UNROUTABLE, "object key '" + ref.key() + "' escapes the " + ref.area().dirName() + " directory");
        }
        return resolved;
    }

    /** The key of a file under an area's directory. */
    public String keyOf(ObjectRef.Area area, Path file) {
        Path relative = roots.get(area).relativize(file.toAbsolutePath().normalize());
        return relative.toString().replace(java.io.File.separatorChar, '/');
    }

    @Override
    public void list(ObjectRef.Area area, String prefix, Consumer<ObjectInfo> sink) {
        list(area, prefix, sink, skipped -> {
        });
    }

    /** Symbolic links are not followed (a link could reach any file the process may read); FIFOs and devices are not files. */
    @Override
    public void list(ObjectRef.Area area, String prefix, Consumer<ObjectInfo> sink, Consumer<dev.chute.spi.SkippedEntry> skipped) {
        Path root = roots.get(area);
        Path start = prefix.isEmpty() ? root : path(new ObjectRef(area, prefix));
        if (!Files.isDirectory(start)) {
            return;
        }
        try {
            Files.walkFileTree(start, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        sink.accept(info(new ObjectRef(area, keyOf(area, file)), attrs));
                    } else if (attrs.isSymbolicLink()) {
                        skipped.accept(new dev.chute.spi.SkippedEntry(keyOf(area, file), "symbolic link: not followed"));
                    } else if (!attrs.isDirectory()) {
                        skipped.accept(new dev.chute.spi.SkippedEntry(keyOf(area, file), "not a regular file (a FIFO, socket or device): never read"));
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    // a file moved away while we walked: the next listing sees the new state
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot list " + start + ": " + e, e);
        }
    }

    @Override
    public Optional<ObjectInfo> stat(ObjectRef ref) {
        try {
            BasicFileAttributes attrs = Files.readAttributes(path(ref), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return attrs.isRegularFile() ? Optional.of(info(ref, attrs)) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot stat " + ref + ": " + e, e);
        }
    }

    private static ObjectInfo info(ObjectRef ref, BasicFileAttributes attrs) {
        String fingerprint = attrs.size() + "/" + attrs.lastModifiedTime().toInstant() + "/" + attrs.fileKey();
        return new ObjectInfo(ref, attrs.size(), attrs.lastModifiedTime().toInstant(), fingerprint, Optional.empty());
    }

    @Override
    public InputStream open(ObjectRef ref) {
        try {
            return Files.newInputStream(path(ref));
        } catch (NoSuchFileException e) {
            throw new ChuteException(ErrorCode.OBJECT_GONE, ref + " no longer exists", e);
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot read " + ref + ": " + e, e);
        }
    }

    @Override
    public void materialize(ObjectRef ref, Path target) {
        Path source = path(ref);
        try {
            Files.createDirectories(target.getParent());
            try {
                Files.createLink(target, source);
            } catch (UnsupportedOperationException | IOException linkFailed) {
                if (linkFailed instanceof NoSuchFileException) {
                    throw linkFailed;
                }
                // another filesystem, or links not allowed: copy instead
                Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
            }
        } catch (NoSuchFileException e) {
            throw new ChuteException(ErrorCode.OBJECT_GONE, ref + " no longer exists", e);
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot stage " + ref + " at " + target + ": " + e, e);
        }
    }

    @Override
    public boolean move(ObjectInfo expected, ObjectRef.Area targetArea, String targetKey) {
        Path source = path(expected.ref());
        Path target = path(new ObjectRef(targetArea, targetKey));
        try {
            Optional<ObjectInfo> current = stat(expected.ref());
            if (current.isEmpty()) {
                throw new ChuteException(ErrorCode.OBJECT_GONE, expected.ref() + " no longer exists");
            }
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                if (Files.isSameFile(source, target)) {
                    // a previous move linked the target and stopped before unlinking the source
                    Files.deleteIfExists(source);
                    return true;
                }
                return false;
            }
            if (!current.get().fingerprint().equals(expected.fingerprint())) {
                throw new ChuteException(ErrorCode.CHANGED_WHILE_LOADING,
                        expected.ref() + " changed since it was read: expected " + expected.fingerprint() + ", found " + current.get().fingerprint());
            }
            Files.createDirectories(target.getParent());
            try {
                Files.createLink(target, source);
            } catch (FileAlreadyExistsException e) {
                return false;
            } catch (UnsupportedOperationException | IOException e) {
                if (e instanceof NoSuchFileException) {
                    throw (NoSuchFileException) e;
                }
                copyWithoutReplacing(source, target);
            }
            // landing directories are kept: a user may be about to copy into them
            Files.deleteIfExists(source);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (NoSuchFileException e) {
            throw new ChuteException(ErrorCode.OBJECT_GONE, expected.ref() + " no longer exists", e);
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot move " + expected.ref() + " to " + targetArea.dirName() + "/" + targetKey + ": " + e, e);
        }
    }

    private static void copyWithoutReplacing(Path source, Path target) throws IOException {
        Path temp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".part");
        Files.copy(source, temp, StandardCopyOption.COPY_ATTRIBUTES);
        try {
            Files.createLink(target, temp);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public void put(ObjectRef ref, byte[] content) {
        write(ref, new java.io.ByteArrayInputStream(content), content.length);
    }

    /** Writes to a hidden temporary file beside the target (skipped by intake), then renames it over the target. */
    @Override
    public long write(ObjectRef ref, InputStream content, long maxBytes) {
        Path target = path(ref);
        Path temp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            long written = writeTemp(ref, temp, content, maxBytes);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return written;
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot write " + ref + ": " + e, e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                // a leftover hidden temp file is skipped by intake
            }
        }
    }

    /**
     * Writes to a hidden temporary file beside the target, then hard-links it to the target name, which
     * fails when that name exists (a file, a link, anything): the check and the creation are one step
     * of the file system, so of two concurrent writers exactly one gets the name.
     */
    @Override
    public java.util.OptionalLong create(ObjectRef ref, InputStream content, long maxBytes) {
        Path target = path(ref);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return java.util.OptionalLong.empty();
        }
        Path temp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            long written = writeTemp(ref, temp, content, maxBytes);
            try {
                Files.createLink(target, temp);
            } catch (FileAlreadyExistsException e) {
                return java.util.OptionalLong.empty();
            } catch (UnsupportedOperationException e) {
                // no hard links here: a rename that refuses an existing target (a narrow race remains)
                Files.move(temp, target);
            }
            return java.util.OptionalLong.of(written);
        } catch (FileAlreadyExistsException e) {
            return java.util.OptionalLong.empty();
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot write " + ref + ": " + e, e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                // a leftover hidden temp file is skipped by intake
            }
        }
    }

    /** Copies at most {@code maxBytes} of {@code content} into a new file {@code temp}. */
    private static long writeTemp(ObjectRef ref, Path temp, InputStream content, long maxBytes) throws IOException {
        Files.createDirectories(temp.getParent());
        long written = 0;
        try (OutputStream out = Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = content.read(buffer)) >= 0) {
                written += n;
                if (written > maxBytes) {
                    throw new ChuteException(ErrorCode.CONFIGURATION, "object " + ref + " is larger than the limit of " + maxBytes + " bytes");
                }
                out.write(buffer, 0, n);
            }
        }
        return written;
    }

    @Override
    public void delete(ObjectRef ref) {
        try {
            Files.deleteIfExists(path(ref));
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.STORE_UNAVAILABLE, "cannot delete " + ref + ": " + e, e);
        }
    }

    @Override
    public void close() {
    }
}
