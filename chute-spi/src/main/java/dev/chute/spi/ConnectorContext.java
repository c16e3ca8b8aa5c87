package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

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
