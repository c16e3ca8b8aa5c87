package dev.chute.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.ObjectEvent;
import dev.chute.spi.ObjectInfo;
import dev.chute.spi.ObjectRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalObjectStoreTest {
    @TempDir
    Path home;

    @Test
    void moveNeverOverwritesAndFinishesAHalfDoneMove() throws Exception {
        LocalObjectStore store = LocalObjectStore.inHome(home);
        Path a = home.resolve("landing/d/t/a.csv");
        Files.createDirectories(a.getParent());
        Files.writeString(a, "new");
        Path archived = home.resolve("archive/d/t/a.csv");
        Files.createDirectories(archived.getParent());
        Files.writeString(archived, "old");
        ObjectInfo info = store.stat(ObjectRef.landing("d/t/a.csv")).orElseThrow();
        assertThat(store.move(info, ObjectRef.Area.ARCHIVE, "d/t/a.csv")).isFalse();
        assertThat(Files.readString(archived)).isEqualTo("old");
        assertThat(a).exists();
        // a crash after linking and before unlinking leaves two names on one file
        Files.createLink(home.resolve("archive/d/t/b.csv"), a);
        assertThat(store.move(info, ObjectRef.Area.ARCHIVE, "d/t/b.csv")).isTrue();
        assertThat(a).doesNotExist();
        assertThat(Files.readString(home.resolve("archive/d/t/b.csv"))).isEqualTo("new");
    }

    @Test
    void moveRefusesAFileThatChangedSinceItWasRead() throws Exception {
        LocalObjectStore store = LocalObjectStore.inHome(home);
        Path a = home.resolve("landing/d/t/a.csv");
        Files.createDirectories(a.getParent());
        Files.writeString(a, "one");
        ObjectInfo info = store.stat(ObjectRef.landing("d/t/a.csv")).orElseThrow();
        Files.writeString(a, "two, longer");
        assertThatThrownBy(() -> store.move(info, ObjectRef.Area.ARCHIVE, "d/t/a.csv"))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CHANGED_WHILE_LOADING));
    }

    @Test
    void keysCannotEscapeTheirArea() {
        LocalObjectStore store = LocalObjectStore.inHome(home);
        assertThatThrownBy(() -> store.stat(ObjectRef.landing("../warehouse.duckdb"))).hasMessageContaining("escapes the landing directory");
        assertThatThrownBy(() -> store.put(new ObjectRef(ObjectRef.Area.FAILED, "a/../../x"), new byte[0])).hasMessageContaining("escapes");
    }

    @Test
    void listingSkipsSymlinksAndSeesNestedFiles() throws Exception {
        LocalObjectStore store = LocalObjectStore.inHome(home);
        Path a = home.resolve("landing/d/t/sub/a.csv");
        Files.createDirectories(a.getParent());
        Files.writeString(a, "x");
        Path outside = home.resolve("secret.txt");
        Files.writeString(outside, "secret");
        Files.createSymbolicLink(home.resolve("landing/d/t/link.csv"), outside);
        List<String> keys = new ArrayList<>();
        store.list(ObjectRef.Area.LANDING, "", i -> keys.add(i.ref().key()));
        assertThat(keys).containsExactly("d/t/sub/a.csv");
        assertThat(store.stat(ObjectRef.landing("d/t/link.csv"))).isEmpty();
    }

    /** Issue 12 item 11: what the listing skips is handed out with the reason, in the same walk. */
    @Test
    void listingHandsOutWhatItSkipsWithTheReason() throws Exception {
        LocalObjectStore store = LocalObjectStore.inHome(home);
        Path dir = Files.createDirectories(home.resolve("landing/d/t"));
        Files.writeString(dir.resolve("a.csv"), "x");
        Files.createSymbolicLink(dir.resolve("link.csv"), Files.writeString(home.resolve("secret.txt"), "secret"));
        Process mkfifo = new ProcessBuilder("mkfifo", dir.resolve("pipe.csv").toString()).start();
        assertThat(mkfifo.waitFor()).isZero();
        List<String> keys = new ArrayList<>();
        List<dev.chute.spi.SkippedEntry> skipped = new ArrayList<>();
        store.list(ObjectRef.Area.LANDING, "", i -> keys.add(i.ref().key()), skipped::add);
        assertThat(keys).containsExactly("d/t/a.csv");
        assertThat(skipped).containsExactlyInAnyOrder(new dev.chute.spi.SkippedEntry("d/t/link.csv", "symbolic link: not followed"),
                new dev.chute.spi.SkippedEntry("d/t/pipe.csv", "not a regular file (a FIFO, socket or device): never read"));
    }

    /** Issue 12 item 9: create never replaces what has the name (a file, or even a link), and leaves no temporary file. */
    @Test
    void createWritesOnlyWhereNothingHasTheName() throws Exception {
        LocalObjectStore store = LocalObjectStore.inHome(home);
        ObjectRef ref = ObjectRef.landing("d/t/a.csv");
        assertThat(store.create(ref, new java.io.ByteArrayInputStream("one".getBytes()), 100)).hasValue(3);
        assertThat(store.create(ref, new java.io.ByteArrayInputStream("two".getBytes()), 100)).isEmpty();
        assertThat(Files.readString(home.resolve("landing/d/t/a.csv"))).isEqualTo("one");
        Files.createSymbolicLink(home.resolve("landing/d/t/link.csv"), home.resolve("nowhere"));
        assertThat(store.create(ObjectRef.landing("d/t/link.csv"), new java.io.ByteArrayInputStream("x".getBytes()), 100)).isEmpty();
        try (var left = Files.list(home.resolve("landing/d/t"))) {
            assertThat(left.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("a.csv", "link.csv");
        }
        assertThatThrownBy(() -> store.create(ObjectRef.landing("d/t/big.csv"), new java.io.ByteArrayInputStream(new byte[101]), 100))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION));
        assertThat(home.resolve("landing/d/t/big.csv")).doesNotExist();
    }

    @Test
    void watchReportsNewFilesInNewDirectories() throws Exception {
        Path landing = home.resolve("landing");
        Files.createDirectories(landing);
        List<ObjectEvent> events = new CopyOnWriteArrayList<>();
        try (LocalWatchEventSource watch = new LocalWatchEventSource(landing)) {
            watch.start(events::add);
            Path file = landing.resolve("d/t/new/a.csv");
            Files.createDirectories(file.getParent());
            Files.writeString(file, "x");
            await().atMost(Duration.ofSeconds(20)).until(() -> events.stream().anyMatch(e -> e.key().equals("d/t/new/a.csv")));
        }
    }
}
