package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * One key of a connector's section, declared once: its name, what it holds, its default, its
 * documentation and how its text is read ({@code parser} throws {@link IllegalArgumentException}
 * for a value outside {@code type}). {@link ConnectorContext#value} reads it; the same
 * declarations are what {@link ConnectorContext#requireKnown} accepts and what a connector
 * factory's {@code keys()} reports. Durations and sizes use the one grammar of
 * {@link ConfigValues}, as core's keys do.
 */
public record ConnectorKey<T>(String name, String type, Optional<String> defaultText, String doc, Function<String, T> parser) {
    public ConnectorKey {
        requireNonNull(name, "name is null");
        requireNonNull(type, "type is null");
        requireNonNull(defaultText, "defaultText is null");
        requireNonNull(doc, "doc is null");
        requireNonNull(parser, "parser is null");
    }

    /** The names of {@code keys}, in their order. */
    public static Set<String> names(Collection<ConnectorKey<?>> keys) {
        Set<String> names = new LinkedHashSet<>();
        keys.forEach(k -> names.add(k.name()));
        return java.util.Collections.unmodifiableSet(names);
    }

    /** Any text; {@code defaultValue} when absent. */
    public static ConnectorKey<String> string(String name, String defaultValue, String doc) {
        return new ConnectorKey<>(name, "a string", Optional.of(defaultValue), doc, text -> text);
    }

    /** Text read (and checked) by the connector itself; absent means {@code defaultValue}, if any. */
    public static ConnectorKey<String> text(String name, String type, Optional<String> defaultValue, String doc) {
        return new ConnectorKey<>(name, type, defaultValue, doc, text -> text);
    }

    public static ConnectorKey<Boolean> bool(String name, boolean defaultValue, String doc) {
        return new ConnectorKey<>(name, "true or false", Optional.of(Boolean.toString(defaultValue)), doc, text -> {
            if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
                throw new IllegalArgumentException("not a boolean");
            }
            return Boolean.parseBoolean(text);
        });
    }

    public static ConnectorKey<Integer> integer(String name, int defaultValue, int min, int max, String doc) {
        return new ConnectorKey<>(name, "an integer from " + min + " to " + max, Optional.of(Integer.toString(defaultValue)), doc, text -> {
            int value = Integer.parseInt(text);
            if (value < min || value > max) {
                throw new IllegalArgumentException("out of range");
            }
            return value;
        });
    }

    /** A duration in {@link ConfigValues}' grammar from {@code min} to {@code max}. */
    public static ConnectorKey<Duration> duration(String name, String defaultValue, Duration min, Duration max, String doc) {
        String type = ConfigValues.DURATION_FORMS + ", from " + ConfigValues.format(min) + " to " + ConfigValues.format(max);
        return new ConnectorKey<>(name, type, Optional.of(defaultValue), doc, text -> ConfigValues.duration(text)
                .filter(d -> d.compareTo(min) >= 0 && d.compareTo(max) <= 0).orElseThrow(() -> new IllegalArgumentException("not in range")));
    }

    /** A size in {@link ConfigValues}' grammar from {@code min} to {@code max} bytes. */
    public static ConnectorKey<Long> bytes(String name, String defaultValue, long min, long max, String doc) {
        String type = ConfigValues.SIZE_FORMS + ", from " + min + " to " + max + " bytes";
        return new ConnectorKey<>(name, type, Optional.of(defaultValue), doc, text -> {
            long value = ConfigValues.bytes(text).orElseThrow(() -> new IllegalArgumentException("not a size"));
            if (value < min || value > max) {
                throw new IllegalArgumentException("out of range");
            }
            return value;
        });
    }
}
