package dev.chute.bench;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The command line of {@code ./chute bench}; a bad option fails with a message naming it. */
record BenchOptions(Set<String> only, int rows, int files, int drops, PostgresTarget postgres, boolean help) {
    static final List<String> BENCHES = List.of(BulkBench.NAME, SmallFilesBench.NAME, LatencyBench.NAME, PgBulkBench.NAME, PgSmallFilesBench.NAME);
    static final String USAGE = """
            Usage: chute bench [--only bulk|small|latency|pg-bulk|pg-small[,...]] [--rows N] [--files N] [--drops N]
                               [--postgres JDBC-URL]
              --only      run only these benchmarks (comma-separated); default: all
              --rows      rows of the bulk files (default 1000000)
              --files     files of the small-files benchmarks (default 2000, 100 rows each)
              --drops     measured drops of the latency benchmark (default 200, 20 rows each)
              --postgres  server of pg-bulk and pg-small, a user that may create databases without a password
                          (default jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres); skipped when it does not answer
            Each benchmark prints Chute's result, a baseline measured in the same run on the same data,
            their ratio and the target. Everything is written under a temporary directory, deleted afterwards.""";

    BenchOptions {
        only = Set.copyOf(requireNonNull(only, "only is null"));
        requireNonNull(postgres, "postgres is null");
    }

    static BenchOptions parse(String... args) {
        Set<String> only = new LinkedHashSet<>(BENCHES);
        int rows = 1_000_000;
        int files = 2_000;
        int drops = 200;
        boolean help = false;
        PostgresTarget postgres = PostgresTarget.parse(PostgresTarget.DEFAULT_URL);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "-h", "--help" -> help = true;
                case "--only" -> {
                    only.clear();
                    for (String name : value(args, ++i, arg).split(",")) {
                        if (!BENCHES.contains(name.trim())) {
                            throw new IllegalArgumentException("option --only: expected one of " + String.join(", ", BENCHES) + ", found '" + name + "'");
                        }
                        only.add(name.trim());
                    }
                }
                case "--rows" -> rows = positive(args, ++i, arg);
                case "--files" -> files = positive(args, ++i, arg);
                case "--drops" -> drops = positive(args, ++i, arg);
                case "--postgres" -> postgres = PostgresTarget.parse(value(args, ++i, arg));
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'; expected --only, --rows, --files, --drops, --postgres or --help");
            }
        }
        return new BenchOptions(only, rows, files, drops, postgres, help);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException("option " + option + " needs a value");
        }
        return args[i];
    }

    private static int positive(String[] args, int i, String option) {
        String text = value(args, i, option);
        try {
            int n = Integer.parseInt(text.replace("_", ""));
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below with the allowed range
        }
        throw new IllegalArgumentException("option " + option + ": expected a whole number from 1 to " + Integer.MAX_VALUE + ", found '" + text + "'");
    }
}
