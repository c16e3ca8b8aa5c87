package dev.chute.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.core.ChuteConfig;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ErrorCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NatsSettingsTest {
    private static NatsSettings parse(String... keyValues) {
        Map<String, String> settings = new HashMap<>();
        settings.put("type", "nats");
        settings.put("stream", "uploads");
        for (int i = 0; i < keyValues.length; i += 2) {
            settings.put(keyValues[i], keyValues[i + 1]);
        }
        return NatsSettings.from(new ConnectorContext(Path.of("."), settings));
    }

    /** Issue 14: connectors read durations with core's grammar, days included ({@code 7d} used to be refused here only). */
    @Test
    void connectorDurationsUseCoresGrammarIncludingDays() {
        assertThat(ChuteConfig.RETRY_MAX.parse("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(parse("max_hold", "7d").maxHold()).isEqualTo(Duration.ofDays(7));
        assertThat(parse("ack_wait", "2h").ackWait()).isEqualTo(Duration.ofHours(2));
    }

    /** Issue 14: a misspelt connector key is named with the known keys and the closest one, as core's keys are. */
    @Test
    void misspeltKeyIsNamedWithTheClosestKnownKey() {
        assertThatThrownBy(() -> parse("max_hodl", "1h"))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("unknown configuration key 'events.nats.max_hodl'")
                .hasMessageContaining("known keys: type, ack_wait, create_stream")
                .hasMessageContaining("did you mean 'max_hold'?");
    }

    @Test
    void durationOutsideItsRangeNamesTheKeyAndTheRange() {
        assertThatThrownBy(() -> parse("max_hold", "8d"))
                .isInstanceOf(ChuteException.class)
                .hasMessageContaining("'events.nats.max_hold' has value '8d'")
                .hasMessageContaining("from 1s to 7d");
    }
}
