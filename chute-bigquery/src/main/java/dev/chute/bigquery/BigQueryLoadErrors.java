package dev.chute.bigquery;

import com.google.cloud.bigquery.BigQueryError;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.LoadError;
import dev.chute.spi.LoadFile;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps a failed load job's {@code errors[]} back to the files of the batch and, where BigQuery
 * says, the line, column and value. BigQuery names the source file in an error's
 * {@code location} or in its message ({@code gs://bucket/key}); data errors of CSV and JSON loads
 * carry {@code line_number: N}, {@code column_name: "c"} (or {@code field c}) and {@code value: "v"}
 * in the message, after "Error while reading data, error message:". An error that names no file
 * belongs to none: the caller then loads the files one by one to find the bad one.
 */
final class BigQueryLoadErrors {
    private static final Pattern GS_URI = Pattern.compile("gs://[^\\s'\",;]+");
    private static final Pattern LINE = Pattern.compile("line_number:\\s*(\\d+)|[Ll]ine:?\\s+(\\d+)|[Rr]ow:?\\s+(\\d+)");
    private static final Pattern COLUMN = Pattern.compile("column_name:\\s*\"?([^\"\\s]+)\"?|for field (\\w+)|[Ff]ield:\\s*(\\w+)");
    private static final Pattern VALUE = Pattern.compile("value:\\s*\"([^\"]*)\"|Could not parse '([^']*)'");
    private static final Pattern TYPE = Pattern.compile("column_type:\\s*(\\w+)|as (INT64|FLOAT64|NUMERIC|BIGNUMERIC|BOOL|DATE|TIME|DATETIME|TIMESTAMP|BYTES|JSON)\\b");

    private BigQueryLoadErrors() {
    }

    /** The errors that name a file of {@code files}, one {@link LoadError} per file (its first such error, the most precise). */
    static Map<LoadFile, LoadError> byFile(List<BigQueryError> errors, List<LoadFile> files) {
        Map<LoadFile, LoadError> out = new LinkedHashMap<>();
        for (BigQueryError e : errors) {
            Optional<LoadFile> file = fileOf(e, files);
            if (file.isPresent() && !out.containsKey(file.get())) {
                out.put(file.get(), toLoadError(e, file.get()));
            }
        }
        return out;
    }

    /** The error for {@code file} when the job had one file (every error is about it). */
    static LoadError forOnlyFile(List<BigQueryError> errors, LoadFile file) {
        // prefer an error that points at a line: the errorResult is often the summary "too many errors, giving up"
        for (BigQueryError e : errors) {
            if (LINE.matcher(nullToEmpty(e.getMessage())).find()) {
                return toLoadError(e, file);
            }
        }
        return toLoadError(errors.getFirst(), file);
    }

    private static Optional<LoadFile> fileOf(BigQueryError e, List<LoadFile> files) {
        for (String text : List.of(nullToEmpty(e.getLocation()), nullToEmpty(e.getMessage()))) {
            Matcher m = GS_URI.matcher(text);
            while (m.find()) {
                String uri = m.group();
                for (LoadFile f : files) {
                    if (f.uri().map(URI::toString).filter(uri::equals).isPresent()) {
                        return Optional.of(f);
                    }
                }
            }
        }
        return Optional.empty();
    }

    static LoadError toLoadError(BigQueryError e, LoadFile file) {
        String message = nullToEmpty(e.getMessage());
        OptionalLong line = first(LINE, message).map(s -> OptionalLong.of(Long.parseLong(s))).orElse(OptionalLong.empty());
        Optional<String> column = first(COLUMN, message);
        Optional<String> value = first(VALUE, message);
        Optional<String> expected = first(TYPE, message);
        ErrorCode code = code(e.getReason(), message, expected.isPresent());
        StringBuilder reason = new StringBuilder(file.version().key()).append(": BigQuery load failed");
        line.ifPresent(l -> reason.append(" at line ").append(l));
        column.ifPresent(c -> reason.append(", column ").append(c));
        expected.ifPresent(t -> reason.append(": expected ").append(t));
        value.ifPresent(v -> reason.append(", found '").append(v).append("'"));
        reason.append(" (").append(nullToEmpty(e.getReason())).append(": ").append(message).append(")");
        return new LoadError(code, reason.toString(), line, column, value, expected);
    }

    /** Whether an error reason is transient: the reference's error table says to retry these. */
    static boolean transientReason(String reason, String message) {
        String r = nullToEmpty(reason);
        String m = nullToEmpty(message).toLowerCase(Locale.ROOT);
        return r.equals("backendError") || r.equals("internalError") || r.equals("rateLimitExceeded") || r.equals("jobBackendError")
                || r.equals("jobInternalError") || r.equals("quotaExceeded") || r.equals("jobRateLimitExceeded")
                // a multi-statement transaction that lost a conflict against a concurrent one is aborted and may be retried
                || m.contains("concurrent update");
    }

    private static ErrorCode code(String reason, String message, boolean typed) {
        if (transientReason(reason, message)) {
            return ErrorCode.WAREHOUSE_UNAVAILABLE;
        }
        if ("notFound".equals(reason) && message.contains("gs://")) {
            return ErrorCode.OBJECT_GONE;
        }
        if ("accessDenied".equals(reason)) {
            return ErrorCode.WAREHOUSE_UNAVAILABLE;
        }
        if (message.contains("Provided Schema does not match") || message.contains("Cannot add fields") || message.contains("changed type")) {
            return ErrorCode.SCHEMA_CONFLICT;
        }
        if (typed) {
            return ErrorCode.TYPE_CONFLICT;
        }
        return ErrorCode.MALFORMED;
    }

    private static Optional<String> first(Pattern p, String text) {
        Matcher m = p.matcher(text);
        if (!m.find()) {
            return Optional.empty();
        }
        for (int g = 1; g <= m.groupCount(); g++) {
            if (m.group(g) != null) {
                return Optional.of(m.group(g));
            }
        }
        return Optional.empty();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
