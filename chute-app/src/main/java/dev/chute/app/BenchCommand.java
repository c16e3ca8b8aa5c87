package dev.chute.app;

import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code chute bench}: the benchmarks live in module chute-bench, which depends on this one, so they
 * are found at run time. The {@code ./chute} launcher builds that module and runs it directly; this
 * command lists it in {@code chute --help} and runs it when it is on the class path.
 */
@Command(name = "bench", description = {"Run the benchmarks (bulk, small files, latency; DuckDB and PostgreSQL), each against a baseline measured in the same run;"
        + " see docs/benchmarks.md. Options: --only, --rows, --files, --drops, --postgres (`./chute bench --help` explains them).",
        "Exit code 0 when every target was met, 1 when one was missed, 2 on a usage error or a failed run."})
final class BenchCommand implements Callable<Integer> {
    static final String MAIN = "dev.chute.bench.BenchMain";

    @Unmatched
    List<String> arguments = new ArrayList<>();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Method run;
        try {
            run = Class.forName(MAIN).getDeclaredMethod("run", PrintStream.class, String[].class);
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            spec.commandLine().getErr().println("chute: the benchmarks are not part of this build; run `./chute bench` from a source checkout"
                    + " (it builds module chute-bench)");
            return Main.USAGE;
        }
        try {
            return (Integer) run.invoke(null, System.out, arguments.toArray(String[]::new));
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
}
