package dev.chute.app;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import picocli.CommandLine;

/**
 * Entry point of {@code ./chute}. Exit codes (the README's table lists them per command): 0 success,
 * 1 the work failed (some files failed, the query failed, nothing matched, doctor found problems),
 * 2 usage or configuration error, 3 the JVM itself failed in {@code chute up} ({@link FatalErrors}).
 */
public final class Main {
    public static final int OK = 0;
    public static final int FILES_FAILED = 1;
    public static final int USAGE = 2;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /**
     * The whole command line: every error a command throws is printed once, as one line on standard
     * error ({@code chute: ...}), with its stack trace only under {@code --verbose}.
     */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new ChuteCommand());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            boolean verbose = commandLine.getParseResult().hasMatchedOption("--verbose");
            if (e instanceof ChuteException ce) {
                commandLine.getErr().println("chute: " + ce.getMessage());
                if (verbose) {
                    e.printStackTrace(commandLine.getErr());
                }
                commandLine.getErr().flush();
                return ce.code() == ErrorCode.CONFIGURATION || ce.code() == ErrorCode.UNROUTABLE ? USAGE : FILES_FAILED;
            }
            commandLine.getErr().println("chute: unexpected error: " + e + (verbose ? "" : " (run again with --verbose for the details)"));
            if (verbose) {
                e.printStackTrace(commandLine.getErr());
            }
            commandLine.getErr().flush();
            return FILES_FAILED;
        });
        return cli;
    }
}
