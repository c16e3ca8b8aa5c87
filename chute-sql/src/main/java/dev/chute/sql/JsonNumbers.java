package dev.chute.sql;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.LoadError;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * JSON numbers that DuckDB's JSON reader would round (issue 14 item 1): it reads every number with
 * a fraction or an exponent as a DOUBLE, before any column type applies, so
 * {@code 12345678901234.567890123} arrives as {@code 12345678901234.568} whatever the column. A
 * file holding such a number fails, naming the line, the column and the value, instead of loading
 * it rounded; written as a JSON string, the value loads as text with every digit. Integers are not
 * affected: DuckDB keeps an integer too long for BIGINT as its text.
 */
public final class JsonNumbers {
    private static final JsonFactory JSON = new JsonFactory();
    /** Significant digits every DOUBLE keeps: a number with no more reads back exactly. */
    private static final int DOUBLE_DIGITS = 15;

    private JsonNumbers() {
    }

    /** A number that would be rounded: 1-based line, the top-level field it is under, its text. */
    public record Rounded(long line, String column, String value) {
    }

    /**
     * The first number of a JSON file (one value per line, or an array of objects) that a DOUBLE
     * does not keep digit for digit; empty when there is none or the file is not valid JSON (its
     * reader then reports that).
     */
    public static Optional<Rounded> first(InputStream in) {
        try (JsonParser p = JSON.createParser(in)) {
            String column = "";
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                switch (t) {
                    case FIELD_NAME -> {
                        // a record is a top-level object or an object of a top-level array; its fields are the columns
                        JsonStreamContext parent = p.getParsingContext().getParent();
                        if (parent.inRoot() || parent.inArray() && parent.getParent().inRoot()) {
                            column = p.currentName();
                        }
                    }
                    case VALUE_NUMBER_FLOAT -> {
                        String text = p.getText();
                        if (rounded(text)) {
                            return Optional.of(new Rounded(p.currentTokenLocation().getLineNr(), column, text));
                        }
                    }
                    default -> {
                    }
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The failure of file {@code key} for a number it holds that would be rounded. */
    public static LoadError error(String key, Rounded r) {
        return new LoadError(ErrorCode.TYPE_CONFLICT, key + " line " + r.line() + ": column \"" + r.column() + "\": expected a number a DOUBLE keeps"
                + " (JSON numbers are read as DOUBLE), found " + r.value() + ", which has more digits than a DOUBLE keeps (Chute does not round"
                + " values; write the value as a JSON string to load it as text)", OptionalLong.of(r.line()), Optional.of(r.column()),
                Optional.of(r.value()), Optional.of("DOUBLE"));
    }

    static boolean rounded(String text) {
        BigDecimal exact = new BigDecimal(text);
        if (exact.stripTrailingZeros().precision() <= DOUBLE_DIGITS) {
            return false;
        }
        double d = Double.parseDouble(text);
        // Double.toString gives the shortest text that reads back as d (JDK 19 and later)
        return Double.isInfinite(d) || exact.compareTo(new BigDecimal(Double.toString(d))) != 0;
    }
}
