package dev.chute.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How a progress line of {@code chute load} reads (issue 13, item 9). */
class LoadProgressTest {
    private static long seconds(long s) {
        return TimeUnit.SECONDS.toNanos(s);
    }

    @Test
    void aLineSaysFilesOfTheTotalRowsRateAndTimeLeft() {
        // 120 of 500 files in 10 s: 380 left at 12 files/s is 31.7 s
        String line = LoadProgress.line(new LoadProgress.Snapshot(120, 500, 0, 1_234_567, 140_000_000, seconds(10)));

        assertThat(line).isEqualTo("loaded 120/500 files, 1.2M rows, 14.0 MB/s, ETA 0:32");
    }

    @Test
    void failuresTheStartAndTheEndAreSaid() {
        assertThat(LoadProgress.line(new LoadProgress.Snapshot(0, 3, 0, 0, 0, seconds(2)))).isEqualTo("loaded 0/3 files, 0 rows, 0.0 MB/s, ETA ?");
        assertThat(LoadProgress.line(new LoadProgress.Snapshot(3, 3, 1, 950, 2_000_000, seconds(1))))
                .isEqualTo("loaded 3/3 files (1 failed), 950 rows, 2.0 MB/s, done");
        assertThat(LoadProgress.line(new LoadProgress.Snapshot(1, 7201, 0, 12_345, 0, seconds(1)))).endsWith("12K rows, 0.0 MB/s, ETA 2:00:00");
    }

    @Test
    void countsAndClocksAreShort() {
        assertThat(LoadProgress.count(999)).isEqualTo("999");
        assertThat(LoadProgress.count(999_950)).isEqualTo("1.0M");
        assertThat(LoadProgress.count(3_400_000_000L)).isEqualTo("3.4G");
        assertThat(LoadProgress.size(950)).isEqualTo("950 bytes");
        assertThat(LoadProgress.size(12_345)).isEqualTo("12 KB");
        assertThat(LoadProgress.size(1_250_000)).isEqualTo("1.3 MB");
        assertThat(LoadProgress.clock(32)).isEqualTo("0:32");
        assertThat(LoadProgress.clock(725)).isEqualTo("12:05");
        assertThat(LoadProgress.clock(3723)).isEqualTo("1:02:03");
    }
}
