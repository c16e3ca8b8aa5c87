package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a connector factory gets to build its connector: Chute's home directory (for local state)
 * and its own section of {@code chute.yaml}, flattened to string values.
 */
public record ConnectorContext(Path home, Map<String, String> settings) {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h)?");

    public ConnectorContext {
        requireNonNull(home, "home is null");
        settings = Map.copyOf(requireNonNull(settings, "settings is null"));
    }

    public Optional<String> setting(String name) {
        return Optional.ofNullable(settings.get(name));
    }

    /** {@code true} or {@code false} (any case); {@code fallback} when absent. */
    public boolean bool(String section, String key, boolean fallback) {
        Optional<String> text = setting(key).map(String::trim);
        if (text.isEmpty()) {
            return fallback;
        }
        if (!text.get().equalsIgnoreCase("true") && !text.get().equalsIgnoreCase("false")) {
            throw invalid(section, key, text.get(), "true or false");
        }
        return Boolean.parseBoolean(text.get());
    }

    /** An integer from {@code min} to {@code max}; {@code fallback} when absent. */
    public int integer(String section, String key, int fallback, int min, int max) {
        Optional<String> text = setting(key).map(String::trim);
        if (text.isEmpty()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(text.get());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(section, key, text.get(), "an integer from " + min + " to " + max);
    }

    /** A duration such as {@code 30s}, {@code 5m}, {@code 1h} (a bare number means milliseconds) from {@code min} to {@code max}. */
    public Duration duration(String section, String key, Duration fallback, Duration min, Duration max) {
        Optional<String> text = setting(key).map(String::trim);
        if (text.isEmpty()) {
            return fallback;
        }
        Matcher m = DURATION.matcher(text.get());
        String expected = "a duration from " + min.toSeconds() + "s to " + max.toSeconds() + "s such as 30s, 5m, 1h (a bare number means milliseconds)";
        if (!m.matches()) {
            throw invalid(section, key, text.get(), expected);
        }
        long n = Long.parseLong(m.group(1));
        Duration value = switch (m.group(2) == null ? "ms" : m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofMillis(n);
        };
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw invalid(section, key, text.get(), expected);
        }
        return value;
    }

    /** The error for a setting with a bad value, naming the key, the value and what is allowed. */
    public static ChuteException invalid(String section, String key, String value, String expected) {
        return new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + section + "." + key + "' has value '" + value + "'; expected " + expected);
    }

    /**
     * Fails with a message naming the key if a setting is not one of {@code known} ({@code type} is
     * always allowed).
     */
    public void requireKnown(String section, java.util.Set<String> known) {
        for (String key : settings.keySet()) {
            if (!key.equals("type") && !known.contains(key)) {
                throw new ChuteException(ErrorCode.CONFIGURATION, "unknown configuration key '" + section + "." + key + "'; known keys: type, "
                        + String.join(", ", new java.util.TreeSet<>(known)));
            }
        }
    }
}
