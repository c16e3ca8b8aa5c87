package dev.chute.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chute.spi.ObjectEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch tells how a file came to be, which decides when it may be archived (issue 11 item 1): a
 * rename into a watched directory appears whole, a write into a file is a write, and a file in a
 * directory created a moment before may have been written before the watch saw it.
 */
class LocalWatchEventSourceTest {
    @TempDir
    Path root;

    private static List<ObjectEvent.Kind> kinds(List<ObjectEvent> events, String key) {
        return events.stream().filter(e -> e.key().equals(key)).map(ObjectEvent::kind).toList();
    }

    @Test
    void renameWriteAndNewDirectoryAreToldApart() throws Exception {
        Path landing = Files.createDirectories(root.resolve("landing"));
        Files.createDirectories(landing.resolve("old/t"));
        List<ObjectEvent> events = new CopyOnWriteArrayList<>();
        try (LocalWatchEventSource watch = new LocalWatchEventSource(landing)) {
            watch.start(events::add);
            Thread.sleep(300);
            Path temp = Files.writeString(root.resolve("r.tmp"), "id\n1\n");
            Files.move(temp, landing.resolve("old/t/renamed.csv"), StandardCopyOption.ATOMIC_MOVE);
            await().atMost(Duration.ofSeconds(10)).until(() -> !kinds(events, "old/t/renamed.csv").isEmpty());
            assertThat(kinds(events, "old/t/renamed.csv")).containsOnly(ObjectEvent.Kind.UPSERTED);

            Files.writeString(landing.resolve("old/t/renamed.csv"), "2\n", StandardOpenOption.APPEND);
            await().atMost(Duration.ofSeconds(10)).until(() -> kinds(events, "old/t/renamed.csv").contains(ObjectEvent.Kind.WRITTEN));

            Files.createDirectories(landing.resolve("new/t"));
            Files.writeString(landing.resolve("new/t/written.csv"), "id\n1\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> !kinds(events, "new/t/written.csv").isEmpty());
            assertThat(kinds(events, "new/t/written.csv")).doesNotContain(ObjectEvent.Kind.UPSERTED)
                    .containsAnyOf(ObjectEvent.Kind.APPEARED, ObjectEvent.Kind.WRITTEN);
        }
    }
}
