package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How one table is loaded: explicit column types, format options and policies. Built by the engine
 * from {@code chute.yaml}; a table without configuration gets {@link #defaults()}.
 *
 * @param columnTypes explicit SQL types by column name (others are inferred), in declaration order
 * @param format the format to assume, overriding the file name's extension
 * @param delimiter CSV field delimiter; detected when empty
 * @param quote CSV quote character; detected when empty; {@link #NO_QUOTE} for none ({@code quote: none}:
 *     every byte between two delimiters is the value)
 * @param escape the character that makes the next one part of a value; detected when empty; {@link #NO_ESCAPE} for
 *     none ({@code escape: none}). With quoting it works inside quoted values; in a file read without quoting it works
 *     everywhere, MySQL's way ({@code SELECT ... INTO OUTFILE}: a backslash before a delimiter or a line end)
 * @param header whether CSV files have a header line; detected when empty
 * @param encoding character encoding of text files (a typed value, so that no warehouse compares spellings)
 * @param onOverwrite what a new version of an already loaded key does
 * @param onTypeConflict what a value that does not fit its column does
 * @param maxBadRows rows per file that may be rejected (to the rejects table) before the file fails
 * @param lineage whether the table carries the lineage columns
 */
public record TableSpec(
        Map<String, String> columnTypes,
        Optional<FileFormat.Kind> format,
        Optional<String> delimiter,
        Optional<String> quote,
        Optional<String> escape,
        Optional<Boolean> header,
        Encoding encoding,
        OnOverwrite onOverwrite,
        OnTypeConflict onTypeConflict,
        int maxBadRows,
        boolean lineage) {

    /** The {@link #quote} of a table whose files have no quoting ({@code quote: none}). */
    public static final String NO_QUOTE = "";
    /** The {@link #escape} of a table whose files have no escape character ({@code escape: none}). */
    public static final String NO_ESCAPE = "";

    /** Column holding the landing key of the object a row came from. */
    public static final String SOURCE_COLUMN = "_chute_source";
    /** Column holding the id of the load (commit) that wrote the row. */
    public static final String LOAD_ID_COLUMN = "_chute_load_id";
    /** Column holding the commit time of the row. */
    public static final String LOADED_AT_COLUMN = "_chute_loaded_at";

    public TableSpec {
        requireNonNull(columnTypes, "columnTypes is null");
        columnTypes = Collections.unmodifiableMap(new LinkedHashMap<>(columnTypes));
        requireNonNull(format, "format is null");
        requireNonNull(delimiter, "delimiter is null");
        requireNonNull(quote, "quote is null");
        if (quote.isPresent() && quote.get().length() > 1) {
            throw new IllegalArgumentException("quote must be one character or empty (none), found '" + quote.get() + "'");
        }
        requireNonNull(escape, "escape is null");
        if (escape.isPresent() && escape.get().length() > 1) {
            throw new IllegalArgumentException("escape must be one character or empty (none), found '" + escape.get() + "'");
        }
        requireNonNull(header, "header is null");
        requireNonNull(encoding, "encoding is null");
        requireNonNull(onOverwrite, "onOverwrite is null");
        requireNonNull(onTypeConflict, "onTypeConflict is null");
        if (maxBadRows < 0) {
            throw new IllegalArgumentException("maxBadRows must be >= 0, found " + maxBadRows);
        }
        if (onOverwrite == OnOverwrite.REPLACE && !lineage) {
            throw new ChuteException(ErrorCode.CONFIGURATION,
                    "on_overwrite: replace needs lineage: true (rows of the previous version are found through their source column)");
        }
    }

    /** A table spec whose escape character is detected ({@code escape: auto}). */
    public TableSpec(Map<String, String> columnTypes, Optional<FileFormat.Kind> format, Optional<String> delimiter, Optional<String> quote,
            Optional<Boolean> header, Encoding encoding, OnOverwrite onOverwrite, OnTypeConflict onTypeConflict, int maxBadRows, boolean lineage) {
        this(columnTypes, format, delimiter, quote, Optional.empty(), header, encoding, onOverwrite, onTypeConflict, maxBadRows, lineage);
    }

    public static TableSpec defaults() {
        return new TableSpec(Map.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Encoding.UTF_8, OnOverwrite.APPEND, OnTypeConflict.FAIL, 0, true);
    }

    /**
     * This spec with the dialect a file is read with set explicitly: for a copy Chute wrote itself in
     * standard CSV (such as the un-escaped copy of a MySQL-style file), whose dialect must not be
     * detected again.
     */
    public TableSpec withDialect(String delimiter, String quote, String escape) {
        return new TableSpec(columnTypes, format, Optional.of(delimiter), Optional.of(quote), Optional.of(escape), header, encoding, onOverwrite,
                onTypeConflict, maxBadRows, lineage);
    }

    /**
     * The character encodings Chute reads text files in. The configuration accepts several spellings
     * ({@link #named}); everything after that uses this value, never a string.
     */
    public enum Encoding {
        UTF_8("utf-8", StandardCharsets.UTF_8),
        /** UTF-16 with a byte order mark (big-endian without one), as Java's and DuckDB's UTF-16 readers take it. */
        UTF_16("utf-16", StandardCharsets.UTF_16),
        /** ISO-8859-1: every byte is one character. */
        LATIN_1("latin-1", StandardCharsets.ISO_8859_1);

        private final String configName;
        private final Charset charset;

        Encoding(String configName, Charset charset) {
            this.configName = configName;
            this.charset = charset;
        }

        /** The name {@code chute.yaml} and the documentation use ({@code utf-8}, {@code utf-16}, {@code latin-1}); also DuckDB's name. */
        public String configName() {
            return configName;
        }

        /** The Java charset, for reading a file's first line. */
        public Charset charset() {
            return charset;
        }

        /**
         * The encoding a configuration spells {@code name}: {@code utf-8}/{@code utf8}, {@code utf-16}/{@code utf16},
         * {@code latin-1}/{@code latin1}/{@code iso-8859-1}/{@code iso8859-1}, in any case, {@code _} for {@code -}.
         */
        public static Optional<Encoding> named(String name) {
            return switch (name.strip().toLowerCase(Locale.ROOT).replace('_', '-')) {
                case "utf-8", "utf8" -> Optional.of(UTF_8);
                case "utf-16", "utf16" -> Optional.of(UTF_16);
                case "latin-1", "latin1", "iso-8859-1", "iso8859-1" -> Optional.of(LATIN_1);
                default -> Optional.empty();
            };
        }
    }

    public enum OnOverwrite {
        /** A new version's rows are added next to the previous version's. */
        APPEND,
        /** A new version's rows replace the previous version's rows, in the same transaction. */
        REPLACE
    }

    public enum OnTypeConflict {
        /** The file fails, naming line, column, expected type and value. */
        FAIL,
        /** The column is widened (ultimately to text) so the value fits. */
        WIDEN
    }
}
