package dev.chute.bench;

import java.util.Arrays;

/** Percentiles of a set of durations in nanoseconds, by nearest rank on a sorted copy. */
final class Stats {
    private final long[] sorted;

    Stats(long[] nanos) {
        if (nanos.length == 0) {
            throw new IllegalArgumentException("no samples: expected at least one duration");
        }
        this.sorted = nanos.clone();
        Arrays.sort(sorted);
    }

    /** The smallest sample that at least {@code p} percent of the samples do not exceed. */
    long percentile(double p) {
        if (p <= 0 || p > 100) {
            throw new IllegalArgumentException("percentile must be in (0, 100], found " + p);
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    long max() {
        return sorted[sorted.length - 1];
    }

    long min() {
        return sorted[0];
    }

    int count() {
        return sorted.length;
    }
}
