package dev.chute.bench;

import static java.util.Objects.requireNonNull;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** The results of one run: a table of measured values against baselines and targets, and notes. */
final class Report {
    enum Verdict {
        MET("met"), MISSED("MISSED"), NONE("");

        private final String shown;

        Verdict(String shown) {
            this.shown = shown;
        }
    }

    /** One line of the table; {@code ratio} and {@code target} may be empty. */
    record Row(String bench, String metric, String chute, String baseline, String ratio, String target, Verdict verdict) {
        Row {
            requireNonNull(bench, "bench is null");
            requireNonNull(metric, "metric is null");
            requireNonNull(chute, "chute is null");
            requireNonNull(baseline, "baseline is null");
            requireNonNull(ratio, "ratio is null");
            requireNonNull(target, "target is null");
            requireNonNull(verdict, "verdict is null");
        }
    }

    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    void row(String bench, String metric, String chute, String baseline) {
        rows.add(new Row(bench, metric, chute, baseline, "", "", Verdict.NONE));
    }

    void row(String bench, String metric, String chute, String baseline, String ratio, String target, boolean met) {
        rows.add(new Row(bench, metric, chute, baseline, ratio, target, met ? Verdict.MET : Verdict.MISSED));
    }

    /** A measured ratio without a target. */
    void row(String bench, String metric, String chute, String baseline, String ratio) {
        rows.add(new Row(bench, metric, chute, baseline, ratio, "", Verdict.NONE));
    }

    void note(String bench, String text) {
        notes.add(bench + ": " + text);
    }

    boolean allMet() {
        return rows.stream().noneMatch(r -> r.verdict == Verdict.MISSED);
    }

    void print(PrintStream out) {
        String[] header = {"bench", "metric", "chute", "baseline", "ratio", "target", "verdict"};
        List<String[]> lines = new ArrayList<>();
        lines.add(header);
        for (Row r : rows) {
            lines.add(new String[] {r.bench, r.metric, r.chute, r.baseline, r.ratio, r.target, r.verdict.shown});
        }
        int[] widths = new int[header.length];
        for (String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        for (int n = 0; n < lines.size(); n++) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < header.length; i++) {
                b.append(String.format("%-" + widths[i] + "s", lines.get(n)[i])).append(i + 1 < header.length ? "  " : "");
            }
            out.println(b.toString().stripTrailing());
            if (n == 0) {
                int total = 0;
                for (int w : widths) {
                    total += w + 2;
                }
                out.println("-".repeat(total - 2));
            }
        }
        if (!notes.isEmpty()) {
            out.println();
            notes.forEach(n -> out.println("  " + n));
        }
    }
}
