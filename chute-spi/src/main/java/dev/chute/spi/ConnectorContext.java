package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a connector factory gets to build its connector: Chute's home directory (for local state)
 * and its own section of {@code chute.yaml}, flattened to string values. A connector declares each
 * of its keys once as a {@link ConnectorKey} and reads it with {@link #value} or {@link #require};
 * {@link #requireKnown} refuses any other key.
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
