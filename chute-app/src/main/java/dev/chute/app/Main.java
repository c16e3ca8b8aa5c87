package dev.chute.app;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import picocli.CommandLine;

/** Entry point of {@code ./chute}. Exit codes: 0 success, 1 some files failed, 2 usage or configuration error. */
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
        CommandLine cli = new CommandLine(new ChuteCommand());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ChuteException ce) {
                commandLine.getErr().println("chute: " + ce.getMessage());
                return ce.code() == ErrorCode.CONFIGURATION || ce.code() == ErrorCode.UNROUTABLE ? USAGE : FILES_FAILED;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
