package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A warehouse table, {@code dataset.table}. Both parts are identifiers
 * ({@code [A-Za-z_][A-Za-z0-9_]*}, at most 128 characters), case-insensitive and stored in lower
 * case. The dataset {@code _chute} is reserved for Chute's own tables.
 */
public record TableId(String dataset, String table) {
    public static final int MAX_IDENTIFIER_LENGTH = 128;
    public static final String RESERVED_DATASET = "_chute";
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public TableId {
        requireNonNull(dataset, "dataset is null");
        requireNonNull(table, "table is null");
        dataset = checkIdentifier("dataset", dataset);
        table = checkIdentifier("table", table);
        if (dataset.equals(RESERVED_DATASET)) {
            throw new ChuteException(ErrorCode.UNROUTABLE, "dataset '" + RESERVED_DATASET + "' is reserved for Chute's own tables");
        }
    }

    /** Parses {@code dataset.table}. */
    public static TableId parse(String qualified) {
        requireNonNull(qualified, "qualified is null");
        int dot = qualified.indexOf('.');
        if (dot < 0 || dot != qualified.lastIndexOf('.')) {
            throw new ChuteException(ErrorCode.UNROUTABLE, "expected a table name 'dataset.table', found '" + qualified + "'");
        }
        return new TableId(qualified.substring(0, dot), qualified.substring(dot + 1));
    }

    public static boolean isIdentifier(String value) {
        return value.length() <= MAX_IDENTIFIER_LENGTH && IDENTIFIER.matcher(value).matches();
    }

    private static String checkIdentifier(String what, String value) {
        if (!isIdentifier(value)) {
            String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
            throw new ChuteException(ErrorCode.UNROUTABLE,
                    what + " name must match [A-Za-z_][A-Za-z0-9_]* and have at most " + MAX_IDENTIFIER_LENGTH
                            + " characters, found '" + shown + "' (" + value.length() + " characters)");
        }
        return value.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return dataset + "." + table;
    }
}
