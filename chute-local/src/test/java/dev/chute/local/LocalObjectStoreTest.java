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
