package dev.chute.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a Prometheus text exposition (format 0.0.4) and lists what Prometheus' conventions (the
 * rules {@code promtool check metrics} applies) say is wrong with it: a sample whose family has no
 * {@code # HELP} or {@code # TYPE}, a counter not named {@code *_total}, a gauge or counter named
 * like a histogram's parts, a name with an abbreviated or non-base unit, a malformed line.
 */
final class PrometheusLint {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{.*})?\\s+(\\S+)(\\s+-?\\d+)?");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");
    /** Units Prometheus wants spelled out in base form (seconds, bytes), as name tokens. */
    private static final Set<String> NON_BASE_UNITS = Set.of("ns", "us", "ms", "nanoseconds", "microseconds", "milliseconds",
            "minutes", "hours", "days", "kb", "mb", "gb", "kilobytes", "megabytes", "gigabytes", "bits", "percent");

    private PrometheusLint() {
    }

    static List<String> problems(String exposition) {
        List<String> problems = new ArrayList<>();
        Map<String, String> help = new LinkedHashMap<>();
        Map<String, String> type = new LinkedHashMap<>();
        Set<String> sampled = new LinkedHashSet<>();
        int n = 0;
        for (String line : exposition.split("\n", -1)) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ", 2);
                String family = parts[0];
                String value = parts.length > 1 ? parts[1].strip() : "";
                if (!NAME.matcher(family).matches()) {
                    problems.add("line " + n + ": bad metric name '" + family + "'");
                }
                if (line.startsWith("# HELP ")) {
                    if (value.isEmpty()) {
                        problems.add(family + ": empty HELP");
                    }
                    help.put(family, value);
                } else if (!TYPES.contains(value)) {
                    problems.add(family + ": unknown TYPE '" + value + "'");
                } else {
                    type.put(family, value);
                }
                continue;
            }
            if (line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                problems.add("line " + n + ": not a sample: " + line);
                continue;
            }
            String value = m.group(3);
            if (!value.matches("[+-]?(Inf|NaN|[0-9.eE+-]+)")) {
                problems.add("line " + n + ": value '" + value + "' is not a number");
            }
            sampled.add(family(m.group(1), type));
        }
        for (String family : sampled) {
            if (!help.containsKey(family)) {
                problems.add(family + ": no HELP");
            }
            String t = type.get(family);
            if (t == null) {
                problems.add(family + ": no TYPE");
                continue;
            }
            if (t.equals("counter") && !family.endsWith("_total")) {
                problems.add(family + ": a counter's name should end in _total");
            }
            if (!t.equals("counter") && family.endsWith("_total")) {
                problems.add(family + ": only counters end in _total");
            }
            if (!t.equals("histogram") && !t.equals("summary")
                    && (family.endsWith("_count") || family.endsWith("_sum") || family.endsWith("_bucket"))) {
                problems.add(family + ": a " + t + " should not be named like a histogram's _count, _sum or _bucket");
            }
            for (String token : family.toLowerCase(java.util.Locale.ROOT).split("_")) {
                if (NON_BASE_UNITS.contains(token)) {
                    problems.add(family + ": unit '" + token + "' in the name; use base units (seconds, bytes, ratio)");
                }
            }
        }
        return problems;
    }

    /** The family a sample belongs to: histograms and summaries expose name_bucket, name_count and name_sum. */
    private static String family(String sample, Map<String, String> type) {
        if (type.containsKey(sample)) {
            return sample;
        }
        for (String suffix : List.of("_bucket", "_count", "_sum", "_created")) {
            if (sample.endsWith(suffix)) {
                String base = sample.substring(0, sample.length() - suffix.length());
                String t = type.get(base);
                if ("histogram".equals(t) || "summary".equals(t)) {
                    return base;
                }
            }
        }
        return sample;
    }
}
