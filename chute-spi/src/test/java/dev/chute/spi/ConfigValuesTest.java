package dev.chute.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 14: the one duration/size grammar and key suggestion that core and every connector use. */
class ConfigValuesTest {
    @Test
    void durationsTakeEveryUnitUpToDays() {
        assertThat(ConfigValues.duration("250ms")).contains(Duration.ofMillis(250));
        assertThat(ConfigValues.duration("1500")).contains(Duration.ofMillis(1500));
        assertThat(ConfigValues.duration(" 10s ")).contains(Duration.ofSeconds(10));
        assertThat(ConfigValues.duration("5m")).contains(Duration.ofMinutes(5));
        assertThat(ConfigValues.duration("2h")).contains(Duration.ofHours(2));
        assertThat(ConfigValues.duration("7d")).contains(Duration.ofDays(7));
        assertThat(ConfigValues.duration("soon")).isEmpty();
        assertThat(ConfigValues.duration("1w")).isEmpty();
        assertThat(ConfigValues.duration("99999999999999999999")).isEmpty();
        assertThat(ConfigValues.duration("99999999999999999d")).isEmpty();
    }

    @Test
    void sizesTakeUnitsInAnyCaseUpToTerabytes() {
        assertThat(ConfigValues.bytes("512")).hasValue(512);
        assertThat(ConfigValues.bytes("256kb")).hasValue(256L << 10);
        assertThat(ConfigValues.bytes("64MB")).hasValue(64L << 20);
        assertThat(ConfigValues.bytes("1 GB")).hasValue(1L << 30);
        assertThat(ConfigValues.bytes("2TB")).hasValue(2L << 40);
        assertThat(ConfigValues.bytes("much")).isEmpty();
        assertThat(ConfigValues.bytes("99999999999TB")).isEmpty();
    }

    @Test
    void durationsAreWrittenInTheirLargestWholeUnit() {
        assertThat(ConfigValues.format(Duration.ofDays(7))).isEqualTo("7d");
        assertThat(ConfigValues.format(Duration.ofMinutes(90))).isEqualTo("90m");
        assertThat(ConfigValues.format(Duration.ofSeconds(1))).isEqualTo("1s");
        assertThat(ConfigValues.format(Duration.ZERO)).isEqualTo("0s");
        assertThat(ConfigValues.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    }

    @Test
    void closestKeyIsSuggestedOnlyWhenItIsClose() {
        assertThat(ConfigValues.editDistance("kitten", "sitting")).isEqualTo(3);
        assertThat(ConfigValues.editDistance("", "abc")).isEqualTo(3);
        assertThat(ConfigValues.didYouMean("max_hodl", List.of("max_hold", "ack_wait"))).isEqualTo("; did you mean 'max_hold'?");
        assertThat(ConfigValues.didYouMean("Region", List.of("region"))).isEqualTo("; did you mean 'region'?");
        assertThat(ConfigValues.didYouMean("access_key", List.of("landing", "region"))).isEmpty();
    }
}
