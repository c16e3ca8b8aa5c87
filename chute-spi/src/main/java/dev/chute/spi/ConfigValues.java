package dev.chute.spi;

import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one grammar of durations and sizes in {@code chute.yaml}, shared by core's keys and every
 * connector's, and the "did you mean" hint for a misspelt key. Core's {@code ConfigKey} and
 * {@link ConnectorContext} both read values through here, so a value that one accepts the other
 * accepts too.
 */
public final class ConfigValues {
    /** What a duration looks like, for error messages. */
    public static final String DURATION_FORMS = "a duration such as 250ms, 10s, 5m, 2h, 30d (a bare number means milliseconds)";

    /** What a size looks like, for error messages. */
    public static final String SIZE_FORMS = "a size in bytes (suffix KB, MB, GB, TB allowed)";

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB|TB)?", Pattern.CASE_INSENSITIVE);

    private ConfigValues() {
    }

    /** {@code 250ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 30d} or a bare number of milliseconds; empty for anything else. */
    public static Optional<Duration> duration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            long n = Long.parseLong(m.group(1));
            return Optional.of(switch (m.group(2) == null ? "ms" : m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofMillis(n);
            });
        } catch (ArithmeticException | NumberFormatException e) {
            // more than a long or a Duration holds: not a duration anyone means
            return Optional.empty();
        }
    }

    /** {@code 512}, {@code 256KB}, {@code 64MB}, {@code 1GB}, {@code 2TB} (units any case, powers of 1024) in bytes; empty for anything else. */
    public static OptionalLong bytes(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            return OptionalLong.empty();
        }
        int shift = switch (m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT)) {
            case "KB" -> 10;
            case "MB" -> 20;
            case "GB" -> 30;
            case "TB" -> 40;
            default -> 0;
        };
        try {
            // multiplyExact: a size past what a long holds is refused, never wrapped around to a small or negative one
            return OptionalLong.of(Math.multiplyExact(Long.parseLong(m.group(1)), 1L << shift));
        } catch (ArithmeticException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** A duration in the largest unit that writes it whole: {@code 7d}, {@code 90m}, {@code 1500ms}. */
    public static String format(Duration duration) {
        long ms = duration.toMillis();
        if (ms != 0 && ms % 86_400_000 == 0) {
            return ms / 86_400_000 + "d";
        } else if (ms != 0 && ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        } else if (ms != 0 && ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        } else if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /**
     * The hint for a misspelt key: {@code ; did you mean 'x'?} naming the known key closest to
     * {@code unknown} (two edits apart, or a third of its letters for long ones; case ignored), or
     * nothing when none is that close.
     */
    public static String didYouMean(String unknown, Collection<String> known) {
        int threshold = Math.max(2, unknown.length() / 3);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = editDistance(unknown.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
            if (d <= threshold && d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best == null ? "" : "; did you mean '" + best + "'?";
    }

    /** Levenshtein distance: the fewest insertions, deletions and substitutions that turn {@code a} into {@code b}. */
    public static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
