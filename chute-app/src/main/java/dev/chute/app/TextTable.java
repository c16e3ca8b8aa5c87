package dev.chute.app;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Prints rows as an aligned text table; numbers align right. */
final class TextTable {
    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();
    private final boolean[] numeric;

    TextTable(List<String> headers) {
        this.headers = List.copyOf(headers);
        this.numeric = new boolean[headers.size()];
        java.util.Arrays.fill(numeric, true);
    }

    void add(List<String> row) {
        for (int i = 0; i < row.size(); i++) {
            String v = row.get(i);
            if (!v.isEmpty() && !v.equals("NULL") && !v.matches("-?[0-9][0-9.,eE+-]*")) {
                numeric[i] = false;
            }
        }
        rows.add(row);
    }

    void print(PrintWriter out) {
        int[] widths = new int[headers.size()];
        for (int i = 0; i < headers.size(); i++) {
            widths[i] = headers.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        printRow(out, headers, widths, false);
        StringBuilder rule = new StringBuilder();
        for (int i = 0; i < widths.length; i++) {
            rule.append(i == 0 ? "" : "-+-").append("-".repeat(widths[i]));
        }
        out.println(rule);
        for (List<String> row : rows) {
            printRow(out, row, widths, true);
        }
    }

    private void printRow(PrintWriter out, List<String> row, int[] widths, boolean align) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < row.size(); i++) {
            String v = row.get(i);
            String pad = " ".repeat(widths[i] - v.length());
            line.append(i == 0 ? "" : " | ").append(align && numeric[i] ? pad + v : v + pad);
        }
        out.println(line.toString().stripTrailing());
    }
}
