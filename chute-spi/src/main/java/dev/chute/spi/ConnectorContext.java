package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a connector factory gets to build its connector: Chute's home directory (for local state)
 * and its own section of {@code chute.yaml}, flattened to string values.
 */
public record ConnectorContext(Path home, Map<String, String> settings) {
    public ConnectorContext {
        requireNonNull(home, "home is null");
        settings = Map.copyOf(requireNonNull(settings, "settings is null"));
    }

    public Optional<String> setting(String name) {
        return Optional.ofNullable(settings.get(name));
    }

    /**
     * The value of a declared key: its setting read by the key's parser, else its default; empty
     * when neither is there. A value the parser refuses fails naming the key, the value and the
     * key's type.
     */
    public <T> Optional<T> value(String section, ConnectorKey<T> key) {
        Optional<String> text = setting(key.name()).map(String::trim).or(key::defaultText);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(key.parser().apply(text.get()));
        } catch (ChuteException e) {
            throw e;
        } catch (RuntimeException e) {
            // the parsers' own words (NumberFormatException's "For input string") are not for users: the type says what is allowed
            throw invalid(section, key.name(), text.get(), key.type());
        }
    }

    /** The value of a declared key that has a default (or is known to be set). */
    public <T> T require(String section, ConnectorKey<T> key) {
        return value(section, key).orElseThrow(() -> new ChuteException(ErrorCode.CONFIGURATION,
                "configuration key '" + section + "." + key.name() + "' is missing; expected " + key.type() + ": " + key.doc()));
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

    /** A duration in {@link ConfigValues}' grammar ({@code 30s}, {@code 5m}, {@code 7d}; a bare number means milliseconds) from {@code min} to {@code max}. */
    public Duration duration(String section, String key, Duration fallback, Duration min, Duration max) {
        Optional<String> text = setting(key).map(String::trim);
        if (text.isEmpty()) {
            return fallback;
        }
        Optional<Duration> value = ConfigValues.duration(text.get());
        if (value.isEmpty() || value.get().compareTo(min) < 0 || value.get().compareTo(max) > 0) {
            throw invalid(section, key, text.get(), ConfigValues.DURATION_FORMS + ", from " + ConfigValues.format(min) + " to " + ConfigValues.format(max));
        }
        return value.get();
    }

    /** A size in {@link ConfigValues}' grammar ({@code 512}, {@code 64MB}, {@code 1TB}) from {@code min} to {@code max} bytes. */
    public long bytes(String section, String key, long fallback, long min, long max) {
        Optional<String> text = setting(key).map(String::trim);
        if (text.isEmpty()) {
            return fallback;
        }
        OptionalLong value = ConfigValues.bytes(text.get());
        if (value.isEmpty() || value.getAsLong() < min || value.getAsLong() > max) {
            throw invalid(section, key, text.get(), ConfigValues.SIZE_FORMS + ", from " + min + " to " + max + " bytes");
        }
        return value.getAsLong();
    }

    /** The error for a setting with a bad value, naming the key, the value and what is allowed. */
    public static ChuteException invalid(String section, String key, String value, String expected) {
        return new ChuteException(ErrorCode.CONFIGURATION, "configuration key '" + section + "." + key + "' has value '" + value + "'; expected " + expected);
    }

    /**
     * Fails with a message naming the key if a setting is not one of {@code known} ({@code type} is
     * always allowed), listing the known keys and the closest one.
     */
    public void requireKnown(String section, Set<String> known) {
        for (String key : new TreeSet<>(settings.keySet())) {
            if (!key.equals("type") && !known.contains(key)) {
                throw new ChuteException(ErrorCode.CONFIGURATION, "unknown configuration key '" + section + "." + key + "'; known keys: type, "
                        + String.join(", ", new TreeSet<>(known)) + ConfigValues.didYouMean(key, known));
            }
        }
    }
}
