package dev.chute.server;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.chute.core.ConfigKey;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One dashboard as code: the file {@code <home>/dashboards/<id>.yaml}, parsed. The record's
 * component names are the JSON names of the HTTP API ({@code refresh} is written as {@code "30s"},
 * {@code timeRange} as {@code "all"}, {@code chart} as {@code "line"}, an empty {@code Optional} as
 * {@code null}); {@code yaml} is the file's text as it was read or saved, so edits keep comments.
 *
 * <pre>{@code
 * title: E-commerce orders          # required
 * refresh: 30s                      # 0 = never; default 30s
 * time_range: all                   # all, 1h, 24h, 7d, 30d, 90d, 365d; default all
 * tiles:
 *   - title: Orders per day          # required
 *     chart: line                    # line, bar, area, pie, scatter, number, table
 *     sql: SELECT ... WHERE t >= {{from}} AND t < {{to}}
 *     x: day                         # required except for number and table; not for number
 *     y: [orders]                    # at least one, except for number and table
 *     series: action                 # optional; not for number
 *     width: 2                       # 1 to 4; default 2
 * }</pre>
 */
public record Dashboard(
        String id,
        String title,
        @JsonSerialize(using = Dashboard.DurationText.class) Duration refresh,
        DashboardTimeRange timeRange,
        List<Tile> tiles,
        String yaml) {
    /** What a dashboard id (the file name without {@code .yaml}) must look like. */
    public static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
    public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(30);
    public static final DashboardTimeRange DEFAULT_TIME_RANGE = DashboardTimeRange.ALL;
    public static final int DEFAULT_WIDTH = 2;
    public static final int MAX_WIDTH = 4;
    /** A page re-running every tile more often than this would load the warehouse for no one's benefit. */
    public static final Duration MIN_REFRESH = Duration.ofSeconds(1);

    private static final List<String> FIELDS = List.of("title", "refresh", "time_range", "tiles");
    private static final List<String> TILE_FIELDS = List.of("title", "chart", "sql", "x", "y", "series", "width");
    private static final ConfigKey<Duration> REFRESH = ConfigKey.duration("refresh", "30s", "How often the page re-runs the tiles; 0 = never.");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION));

    public Dashboard {
        requireNonNull(id, "id is null");
        requireNonNull(title, "title is null");
        requireNonNull(refresh, "refresh is null");
        requireNonNull(timeRange, "timeRange is null");
        requireNonNull(yaml, "yaml is null");
        checkId(id);
        if (title.isBlank()) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "title is missing or blank; expected the dashboard's title");
        }
        if (refresh.isNegative() || (!refresh.isZero() && refresh.compareTo(MIN_REFRESH) < 0)) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "refresh is " + durationText(refresh)
                    + "; expected 0 (never) or at least " + durationText(MIN_REFRESH));
        }
        tiles = List.copyOf(requireNonNull(tiles, "tiles is null"));
    }

    /** The kinds of tile. A {@code number} shows the first column of the first row; a {@code table} shows the rows. */
    public enum Chart {
        LINE, BAR, AREA, PIE, SCATTER, NUMBER, TABLE;

        @JsonValue
        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Whether the chart plots columns, and so needs {@code x} and at least one {@code y}. */
        public boolean plotsColumns() {
            return this != NUMBER && this != TABLE;
        }

        public static String allowed() {
            return Arrays.stream(values()).map(Chart::text).collect(Collectors.joining(", "));
        }

        public static Chart parse(String text) {
            requireNonNull(text, "text is null");
            for (Chart chart : values()) {
                if (chart.text().equals(text)) {
                    return chart;
                }
            }
            throw new ChuteException(ErrorCode.CONFIGURATION, "chart is '" + text + "'; expected one of " + allowed());
        }

        @Override
        public String toString() {
            return text();
        }
    }

    /**
     * One tile of the grid: a query and how to draw it. Messages of the checks start with the
     * field's name so that the parser can prefix the file and the tile's index.
     */
    public record Tile(String title, Chart chart, String sql, Optional<String> x, List<String> y, Optional<String> series, int width) {
        public Tile {
            requireNonNull(title, "title is null");
            requireNonNull(chart, "chart is null");
            requireNonNull(sql, "sql is null");
            requireNonNull(x, "x is null");
            requireNonNull(series, "series is null");
            y = List.copyOf(requireNonNull(y, "y is null"));
            if (title.isBlank()) {
                throw new ChuteException(ErrorCode.CONFIGURATION, "title is missing or blank; expected the tile's title");
            }
            if (sql.isBlank()) {
                throw new ChuteException(ErrorCode.CONFIGURATION, "sql is missing or blank; expected a SELECT statement");
            }
            DashboardTimeRange.checkPlaceholders(sql);
            if (x.isPresent() && x.get().isBlank()) {
                throw new ChuteException(ErrorCode.CONFIGURATION, "x is blank; expected a column name of the query's result");
            }
            if (series.isPresent() && series.get().isBlank()) {
                throw new ChuteException(ErrorCode.CONFIGURATION, "series is blank; expected a column name of the query's result");
            }
            for (int i = 0; i < y.size(); i++) {
                if (y.get(i).isBlank()) {
                    throw new ChuteException(ErrorCode.CONFIGURATION, "y[" + i + "] is blank; expected a column name of the query's result");
                }
            }
            if (width < 1 || width > MAX_WIDTH) {
                throw new ChuteException(ErrorCode.CONFIGURATION, "width is " + width + "; expected an integer from 1 to " + MAX_WIDTH);
            }
            if (chart.plotsColumns()) {
                if (x.isEmpty()) {
                    throw new ChuteException(ErrorCode.CONFIGURATION, "x is missing; a " + chart.text()
                            + " chart needs x (the category or x-axis column)");
                }
                if (y.isEmpty()) {
                    throw new ChuteException(ErrorCode.CONFIGURATION, "y is missing; a " + chart.text()
                            + " chart needs at least one y (value column)");
                }
            }
            if (chart == Chart.NUMBER && x.isPresent()) {
                throw new ChuteException(ErrorCode.CONFIGURATION, "x is '" + x.get()
                        + "'; a number chart shows the first column of the first row and takes no x");
            }
            if (chart == Chart.NUMBER && series.isPresent()) {
                throw new ChuteException(ErrorCode.CONFIGURATION, "series is '" + series.get()
                        + "'; a number chart shows the first column of the first row and takes no series");
            }
        }

        /** The tile's SQL with {@code {{from}}} and {@code {{to}}} replaced for {@code range} at {@code now}. */
        public String renderSql(DashboardTimeRange range, Instant now) {
            requireNonNull(range, "range is null");
            return range.render(sql, now);
        }
    }

    /**
     * Checks a dashboard id.
     *
     * @throws ChuteException {@link ErrorCode#CONFIGURATION} when it does not match {@link #ID}
     */
    public static String checkId(String id) {
        requireNonNull(id, "id is null");
        if (!ID.matcher(id).matches()) {
            String shown = id.length() > 80 ? id.substring(0, 80) + "..." : id;
            throw new ChuteException(ErrorCode.CONFIGURATION, "dashboard id is '" + shown + "'; expected lower-case letters, digits, '_' and '-'"
                    + " starting with a letter or digit, at most 64 characters (" + ID.pattern() + ")");
        }
        return id;
    }

    /**
     * Parses a dashboard's YAML.
     *
     * @param origin how messages name the file, such as {@code dashboards/ecommerce.yaml}
     * @throws ChuteException {@link ErrorCode#CONFIGURATION} naming the file, the field, the value found and what is allowed
     */
    public static Dashboard parse(String id, String yaml, String origin) {
        requireNonNull(id, "id is null");
        requireNonNull(yaml, "yaml is null");
        requireNonNull(origin, "origin is null");
        try {
            checkId(id);
        } catch (ChuteException e) {
            throw new ChuteException(ErrorCode.CONFIGURATION, origin + ": " + e.getMessage());
        }
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null || at.getLineNr() < 1 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ChuteException(ErrorCode.CONFIGURATION, origin + " is not valid YAML" + where + ": " + problem(e.getOriginalMessage()));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw error(origin, "", "title is missing; expected at least a title (fields: " + String.join(", ", FIELDS) + ")");
        }
        if (!root.isObject()) {
            throw error(origin, "", "expected a mapping with the fields " + String.join(", ", FIELDS) + " at the top level, found " + kind(root));
        }
        checkFields(origin, "", root, FIELDS);
        String title = requiredText(origin, "", root, "title");
        Duration refresh = optionalText(origin, "", root, "refresh").map(text -> refresh(origin, text)).orElse(DEFAULT_REFRESH);
        DashboardTimeRange range = optionalText(origin, "", root, "time_range").map(text -> {
            try {
                return DashboardTimeRange.parse(text);
            } catch (ChuteException e) {
                throw error(origin, "", "time_range is '" + text + "'; expected one of " + DashboardTimeRange.allowed());
            }
        }).orElse(DEFAULT_TIME_RANGE);
        List<Tile> tiles = new ArrayList<>();
        JsonNode list = root.get("tiles");
        if (list != null && !list.isNull()) {
            if (!list.isArray()) {
                throw error(origin, "", "tiles is " + kind(list) + "; expected a list of tiles (each with title, chart, sql, ...)");
            }
            for (int i = 0; i < list.size(); i++) {
                tiles.add(tile(origin, "tiles[" + i + "].", list.get(i)));
            }
        }
        try {
            return new Dashboard(id, title, refresh, range, tiles, yaml);
        } catch (ChuteException e) {
            throw error(origin, "", e.getMessage());
        }
    }

    /**
     * The YAML parser's message without the excerpt of the text it quotes (lines such as
     * {@code  in 'reader', line 3, column 1:} and the line with the caret): one line for the API.
     */
    private static String problem(String message) {
        if (message == null) {
            return "unreadable";
        }
        String problem = message.lines()
                .filter(line -> !line.isBlank() && !Character.isWhitespace(line.charAt(0)))
                .map(String::trim)
                .collect(Collectors.joining("; "));
        return problem.isEmpty() ? message.trim() : problem;
    }

    private static Tile tile(String origin, String prefix, JsonNode node) {
        if (!node.isObject()) {
            String self = prefix.substring(0, prefix.length() - 1);
            throw error(origin, "", self + " is " + kind(node) + "; expected a mapping with the fields " + String.join(", ", TILE_FIELDS));
        }
        checkFields(origin, prefix, node, TILE_FIELDS);
        String title = requiredText(origin, prefix, node, "title");
        String chartText = requiredText(origin, prefix, node, "chart");
        String sql = requiredText(origin, prefix, node, "sql");
        Optional<String> x = optionalText(origin, prefix, node, "x");
        Optional<String> series = optionalText(origin, prefix, node, "series");
        List<String> y = new ArrayList<>();
        JsonNode yNode = node.get("y");
        if (yNode != null && !yNode.isNull()) {
            if (yNode.isArray()) {
                for (int i = 0; i < yNode.size(); i++) {
                    JsonNode item = yNode.get(i);
                    if (!item.isValueNode() || item.isNull()) {
                        throw error(origin, prefix, "y[" + i + "] is " + kind(item) + "; expected a column name");
                    }
                    y.add(item.asText());
                }
            } else if (yNode.isValueNode()) {
                y.add(yNode.asText());
            } else {
                throw error(origin, prefix, "y is " + kind(yNode) + "; expected a list of column names such as [orders]");
            }
        }
        int width = DEFAULT_WIDTH;
        JsonNode widthNode = node.get("width");
        if (widthNode != null && !widthNode.isNull()) {
            if (!widthNode.isIntegralNumber() || !widthNode.canConvertToInt()) {
                throw error(origin, prefix, "width is '" + (widthNode.isValueNode() ? widthNode.asText() : kind(widthNode))
                        + "'; expected an integer from 1 to " + MAX_WIDTH);
            }
            width = widthNode.intValue();
        }
        try {
            return new Tile(title, Chart.parse(chartText), sql, x, y, series, width);
        } catch (ChuteException e) {
            throw error(origin, prefix, e.getMessage());
        }
    }

    private static Duration refresh(String origin, String text) {
        try {
            return REFRESH.parse(text);
        } catch (ChuteException e) {
            throw error(origin, "", "refresh is '" + text + "'; expected a duration such as 10s, 5m, 1h, or 0 for never");
        }
    }

    private static void checkFields(String origin, String prefix, JsonNode node, List<String> allowed) {
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String name = field.getKey();
            if (!allowed.contains(name)) {
                String where = prefix.isEmpty() ? "" : " in " + prefix.substring(0, prefix.length() - 1);
                throw error(origin, "", "unknown field '" + name + "'" + where + "; expected " + String.join(", ", allowed));
            }
        }
    }

    private static String requiredText(String origin, String prefix, JsonNode node, String field) {
        return optionalText(origin, prefix, node, field)
                .orElseThrow(() -> error(origin, prefix, field + " is missing"));
    }

    private static Optional<String> optionalText(String origin, String prefix, JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isValueNode()) {
            throw error(origin, prefix, field + " is " + kind(value) + "; expected a single value");
        }
        return Optional.of(value.asText());
    }

    private static String kind(JsonNode node) {
        if (node.isArray()) {
            return "a list";
        }
        if (node.isObject()) {
            return "a mapping";
        }
        if (node.isNull()) {
            return "empty";
        }
        return "'" + node.asText() + "'";
    }

    private static ChuteException error(String origin, String prefix, String message) {
        return new ChuteException(ErrorCode.CONFIGURATION, origin + ": " + prefix + message);
    }

    /** A duration as YAML and JSON write it: {@code 0}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}, {@code 250ms}. */
    public static String durationText(Duration d) {
        requireNonNull(d, "d is null");
        if (d.isZero()) {
            return "0";
        }
        long ms = d.toMillis();
        if (d.isNegative() || ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        if (s % 86_400 == 0) {
            return s / 86_400 + "d";
        }
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        if (s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }

    /** Writes {@link #refresh} in JSON as {@link #durationText} does. */
    static final class DurationText extends StdSerializer<Duration> {
        public DurationText() {
            super(Duration.class);
        }

        @Override
        public void serialize(Duration value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(durationText(value));
        }
    }
}
