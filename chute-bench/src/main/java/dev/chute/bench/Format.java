package dev.chute.bench;

import java.util.Locale;

/** Human-readable numbers for the result table. */
final class Format {
    private Format() {
    }

    static String millis(long nanos) {
        double ms = nanos / 1e6;
        return ms >= 10_000 ? String.format(Locale.ROOT, "%.2f s", ms / 1000) : String.format(Locale.ROOT, "%.1f ms", ms);
    }

    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    static String rate(double perSecond, String unit) {
        if (perSecond >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM %s/s", perSecond / 1e6, unit);
        }
        if (perSecond >= 1e4) {
            return String.format(Locale.ROOT, "%.1fk %s/s", perSecond / 1e3, unit);
        }
        return String.format(Locale.ROOT, "%.0f %s/s", perSecond, unit);
    }

    static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    static String ratio(double r) {
        return r >= 100 ? String.format(Locale.ROOT, "%.0fx", r) : String.format(Locale.ROOT, "%.2fx", r);
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
