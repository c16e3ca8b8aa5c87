package dev.chute.core;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ConfigValues;
import dev.chute.spi.ErrorCode;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * One scalar configuration key, declared once: its dotted name, type, default, documentation and
 * validation. {@link ChuteConfig} holds the declarations; {@code docs/configuration.md} is checked
 * against them by a test.
 */
public record ConfigKey<T>(String name, String type, String defaultText, String doc, Function<String, T> parser) {
    public ConfigKey {
        requireNonNull(name, "name is null");
        requireNonNull(type, "type is null");
        requireNonNull(defaultText, "defaultText is null");
        requireNonNull(doc, "doc is null");
        requireNonNull(parser, "parser is null");
    }

    public T parse(String value) {
        try {
            return parser.apply(value.trim());
        } catch (ChuteException e) {
            throw e;
        } catch (RuntimeException e) {
            // the parsers' own words (NumberFormatException's "For input string", an overflow) are not for
            // users: the key's type already says what is allowed
            throw invalid(value, null);
        }
    }

    public T defaultValue() {
        return parse(defaultText);
    }

    ChuteException invalid(String value, String allowed) {
        return new ChuteException(ErrorCode.CONFIGURATION,
                "configuration key '" + name + "' has value '" + value + "'; expected " + type + (allowed == null ? "" : " (" + allowed + ")"));
    }

    public static ConfigKey<Integer> integer(String name, int defaultValue, int min, int max, String doc) {
        return new ConfigKey<>(name, "an integer from " + min + " to " + max, Integer.toString(defaultValue), doc, text -> {
            int value = Integer.parseInt(text);
            if (value < min || value > max) {
                throw new IllegalArgumentException("out of range");
            }
            return value;
        });
    }

    public static ConfigKey<Long> bytes(String name, String defaultValue, String doc) {
        return new ConfigKey<>(name, ConfigValues.SIZE_FORMS, defaultValue, doc, ConfigKey::parseBytes);
    }

    public static ConfigKey<Duration> duration(String name, String defaultValue, String doc) {
        return new ConfigKey<>(name, ConfigValues.DURATION_FORMS, defaultValue, doc, ConfigKey::parseDuration);
    }

    public static ConfigKey<String> string(String name, String defaultValue, String doc) {
        return new ConfigKey<>(name, "a string", defaultValue, doc, text -> text);
    }

    public static ConfigKey<String> oneOf(String name, String defaultValue, List<String> allowed, String doc) {
        return new ConfigKey<>(name, "one of " + String.join(", ", allowed), defaultValue, doc, text -> {
            String lower = text.toLowerCase(Locale.ROOT);
            if (!allowed.contains(lower)) {
                throw new IllegalArgumentException("not allowed");
            }
            return lower;
        });
    }

    public static ConfigKey<Boolean> bool(String name, boolean defaultValue, String doc) {
        return new ConfigKey<>(name, "true or false", Boolean.toString(defaultValue), doc, text -> {
            if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
                throw new IllegalArgumentException("not a boolean");
            }
            return Boolean.parseBoolean(text);
        });
    }

    static long parseBytes(String text) {
        return ConfigValues.bytes(text).orElseThrow(() -> new IllegalArgumentException("not a size"));
    }

    /**
     * The hint for a misspelt key: {@code ; did you mean 'x'?} naming the known key closest to
     * {@code unknown} (two edits apart, or a third of its letters for long ones), or nothing when none is that close.
     */
    public static String didYouMean(String unknown, java.util.Collection<String> known) {
        return ConfigValues.didYouMean(unknown, known);
    }

    static Duration parseDuration(String text) {
        return ConfigValues.duration(text).orElseThrow(() -> new IllegalArgumentException("not a duration"));
    }
}
