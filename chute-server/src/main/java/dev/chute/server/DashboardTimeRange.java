package dev.chute.server;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The time range a dashboard's tiles are drawn for. A tile's SQL names the range's bounds with the
 * placeholders {@code {{from}}} and {@code {{to}}}; {@link #render} replaces them with
 * {@code TIMESTAMP '...+00'} literals, so the query compares against
 * {@code [from, to)} in UTC. A range of length {@code d} ends at the second after {@code now}
 * (rows written in the current second are included) and starts {@code d} before {@code now}.
 */
public enum DashboardTimeRange {
    ALL("all", Optional.empty()),
    LAST_HOUR("1h", Optional.of(Duration.ofHours(1))),
    LAST_DAY("24h", Optional.of(Duration.ofHours(24))),
    LAST_7_DAYS("7d", Optional.of(Duration.ofDays(7))),
    LAST_30_DAYS("30d", Optional.of(Duration.ofDays(30))),
    LAST_90_DAYS("90d", Optional.of(Duration.ofDays(90))),
    LAST_365_DAYS("365d", Optional.of(Duration.ofDays(365)));

    /** The bounds of {@link #ALL}: wide enough for any real timestamp, valid in every warehouse. */
    public static final Instant ALL_FROM = Instant.parse("1970-01-01T00:00:00Z");
    public static final Instant ALL_TO = Instant.parse("9999-12-31T00:00:00Z");

    private static final DateTimeFormatter LITERAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([^{}]*?)\\s*}}");

    private final String text;
    private final Optional<Duration> length;

    DashboardTimeRange(String text, Optional<Duration> length) {
        this.text = text;
        this.length = length;
    }

    /** The name used in YAML ({@code time_range}), in the API ({@code ?range=}) and in JSON. */
    @JsonValue
    public String text() {
        return text;
    }

    /** How far back the range reaches; empty for {@link #ALL}. */
    public Optional<Duration> length() {
        return length;
    }

    /** The allowed names, comma separated, for messages. */
    public static String allowed() {
        return Arrays.stream(values()).map(DashboardTimeRange::text).collect(Collectors.joining(", "));
    }

    /** Parses a range name ({@code all}, {@code 1h}, {@code 24h}, {@code 7d}, {@code 30d}, {@code 90d}, {@code 365d}). */
    public static DashboardTimeRange parse(String text) {
        requireNonNull(text, "text is null");
        for (DashboardTimeRange range : values()) {
            if (range.text.equals(text.trim())) {
                return range;
            }
        }
        throw new ChuteException(ErrorCode.CONFIGURATION, "time range is '" + text + "'; expected one of " + allowed());
    }

    /** Start of the range (inclusive) for a query run at {@code now}. */
    public Instant from(Instant now) {
        requireNonNull(now, "now is null");
        return length.map(d -> now.minus(d).truncatedTo(ChronoUnit.SECONDS)).orElse(ALL_FROM);
    }

    /** End of the range (exclusive) for a query run at {@code now}. */
    public Instant to(Instant now) {
        requireNonNull(now, "now is null");
        return length.isEmpty() ? ALL_TO : now.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
    }

    /**
     * Replaces {@code {{from}}} and {@code {{to}}} (spaces inside the braces allowed) in
     * {@code sql} with timestamp literals of this range at {@code now}.
     *
     * @throws ChuteException {@link ErrorCode#CONFIGURATION} for any other {@code {{...}}} placeholder
     */
    public String render(String sql, Instant now) {
        requireNonNull(sql, "sql is null");
        requireNonNull(now, "now is null");
        String from = literal(from(now));
        String to = literal(to(now));
        Matcher m = PLACEHOLDER.matcher(sql);
        StringBuilder out = new StringBuilder(sql.length() + 64);
        while (m.find()) {
            String value = switch (m.group(1)) {
                case "from" -> from;
                case "to" -> to;
                default -> throw unknownPlaceholder(m.group());
            };
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * Checks that {@code sql} uses no placeholder other than {@code {{from}}} and {@code {{to}}}.
     *
     * @throws ChuteException {@link ErrorCode#CONFIGURATION} naming the first unknown placeholder
     */
    public static void checkPlaceholders(String sql) {
        requireNonNull(sql, "sql is null");
        Matcher m = PLACEHOLDER.matcher(sql);
        while (m.find()) {
            if (!m.group(1).equals("from") && !m.group(1).equals("to")) {
                throw unknownPlaceholder(m.group());
            }
        }
    }

    private static ChuteException unknownPlaceholder(String found) {
        return new ChuteException(ErrorCode.CONFIGURATION, "sql has the placeholder '" + found + "'; expected only {{from}} and {{to}}");
    }

    static String literal(Instant instant) {
        return "TIMESTAMP '" + LITERAL.format(instant) + "+00'";
    }

    @Override
    public String toString() {
        return text;
    }
}
