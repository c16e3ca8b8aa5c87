package dev.chute.duckdb;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.spi.ConnectorContext;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13 item 7: {@code warehouse.read_only: yes} was read as false (the warehouse opened writable); a value other than true or false is refused. */
class DuckDbSettingsTest {
    @TempDir
    Path home;

    @Test
    void readOnlyTakesTrueOrFalseOnly() {
        assertThatThrownBy(() -> new DuckDbWarehouseFactory().create(new ConnectorContext(home, Map.of("read_only", "yes"))).close())
                .hasMessage("configuration key 'warehouse.read_only' has value 'yes'; expected true or false");
    }

    /** A size too large for a long was wrapped around (to a negative or a small limit) instead of refused. */
    @Test
    void sizeTooLargeIsRefusedNotWrapped() {
        assertThatThrownBy(() -> new DuckDbWarehouseFactory().create(new ConnectorContext(home, Map.of("max_temp_directory_size", "999999999999TB"))).close())
                .hasMessage("configuration key 'warehouse.max_temp_directory_size' has value '999999999999TB'; expected a size such as 512MB or 2GB,"
                        + " or a percentage from 1% to 100%");
    }
}
