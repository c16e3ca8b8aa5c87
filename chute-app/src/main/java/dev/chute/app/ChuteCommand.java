package dev.chute.app;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.Command;

// scope INHERIT: every subcommand, also one added later, answers -h/--help (before checking its required parameters) and -V/--version
@Command(name = "chute", mixinStandardHelpOptions = true, scope = picocli.CommandLine.ScopeType.INHERIT, versionProvider = ChuteCommand.Version.class,
        description = "Event-driven loader: a file lands in a bucket, Chute loads it into a warehouse table exactly once and archives it.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:success (a duplicate is a success)", "1:the work failed (files, a query, a replay name, a check of doctor)",
                "2:usage or configuration error", "3:chute up stopped on an error of the JVM itself"},
        subcommands = {UpCommand.class, LoadCommand.class, StatusCommand.class, QueryCommand.class, ReplayCommand.class, DoctorCommand.class, TokenCommand.class, ConsoleCommand.class,
                BenchCommand.class})
final class ChuteCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static String version() {
        try (InputStream in = ChuteCommand.class.getResourceAsStream("/chute-version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    static final class Version implements picocli.CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"chute " + version() + " (Java " + Runtime.version() + ")"};
        }
    }
}
