package dev.chute.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.spi.ConnectorContext;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13 item 7: {@code store.watch: yes} was read as false (the watch silently off); a value other than true or false is refused. */
class LocalStoreSettingsTest {
    @TempDir
    Path home;

    @Test
    void watchTakesTrueOrFalseOnly() {
        assertThatThrownBy(() -> new LocalObjectStoreFactory().create(new ConnectorContext(home, Map.of("watch", "yes"))))
                .hasMessage("configuration key 'store.watch' has value 'yes'; expected true or false");
        LocalObjectStoreFactory factory = new LocalObjectStoreFactory();
        ConnectorContext on = new ConnectorContext(home, Map.of("watch", "TRUE"));
        try (var store = factory.create(on); var events = factory.nativeEvents(store, on).orElseThrow()) {
            assertThat(events).isNotNull();
        }
        ConnectorContext off = new ConnectorContext(home, Map.of("watch", "false"));
        try (var store = factory.create(off)) {
            assertThat(factory.nativeEvents(store, off)).isEmpty();
        }
    }
}
