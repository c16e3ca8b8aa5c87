package dev.chute.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ConnectorKey;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 14: core and connectors read durations and sizes with one grammar and suggest keys the same way. */
class ConfigGrammarTest {
    private static final Path HOME = Path.of(".");

    @Test
    void coreAndConnectorsReadTheSameDurations() {
        for (String text : List.of("250ms", "10s", "5m", "2h", "7d", "1500")) {
            Duration core = ChuteConfig.RETRY_MAX.parse(text);
            Duration connector = new ConnectorContext(HOME, Map.of("k", text))
                    .require("s", ConnectorKey.duration("k", "0", Duration.ZERO, Duration.ofDays(365), "a duration"));
            assertThat(connector).as(text).isEqualTo(core);
        }
    }

    @Test
    void coreAndConnectorsReadTheSameSizes() {
        for (String text : List.of("64MB", "1TB", "512kb", "100")) {
            long core = ChuteConfig.SERVER_MAX_UPLOAD.parse(text);
            long connector = new ConnectorContext(HOME, Map.of("k", text))
                    .require("s", ConnectorKey.bytes("k", "0", 0, Long.MAX_VALUE, "a size"));
            assertThat(connector).as(text).isEqualTo(core);
        }
    }
}
