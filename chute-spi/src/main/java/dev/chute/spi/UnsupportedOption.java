package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A table option a warehouse cannot honour for one table, as {@link Warehouse#unsupported} reports it.
 * The engine refuses to start on it, naming the option's key path (and so the table), the value, the
 * warehouse and {@link #supported}: an option is never loaded with it silently ignored.
 *
 * @param key the option's key under a table in {@code chute.yaml}, such as {@code on_type_conflict}
 * @param value the configured value, spelt as {@code chute.yaml} spells it ({@code widen})
 * @param supported the values of the option this warehouse honours, in the same spelling
 * @param why what the warehouse would do with the value and what to do instead (remove the key, or
 *     load the table with another warehouse)
 */
public record UnsupportedOption(String key, String value, List<String> supported, String why) {
    public UnsupportedOption {
        requireNonNull(key, "key is null");
        requireNonNull(value, "value is null");
        supported = List.copyOf(requireNonNull(supported, "supported is null"));
        requireNonNull(why, "why is null");
    }
}
