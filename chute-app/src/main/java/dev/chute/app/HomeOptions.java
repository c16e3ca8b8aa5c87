package dev.chute.app;

import dev.chute.core.ChuteConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Options every command shares: where the home is, which configuration, how to log. */
final class HomeOptions {
    @Option(names = "--home", paramLabel = "DIR", description = "Chute's home directory (default: $CHUTE_HOME, else ./chute-home).")
    Path home;

    @Option(names = "--config", paramLabel = "FILE", description = "Configuration file (default: <home>/chute.yaml).")
    Path config;

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text", description = "Log lines as text or json (default: ${DEFAULT-VALUE}).")
    String logFormat;

    @Option(names = {"-v", "--verbose"}, description = "Log debug details.")
    boolean verbose;

    Path home() {
        Path h = home != null ? home : Optional.ofNullable(System.getenv("CHUTE_HOME")).filter(s -> !s.isBlank()).map(Path::of)
                .orElse(Path.of("chute-home"));
        return h.toAbsolutePath().normalize();
    }

    ChuteConfig loadConfig() {
        if (config != null && !Files.exists(config)) {
            throw new dev.chute.spi.ChuteException(dev.chute.spi.ErrorCode.CONFIGURATION, "configuration file " + config + " does not exist");
        }
        return ChuteConfig.load(config != null ? config : home().resolve("chute.yaml"));
    }

    /**
     * Runs {@code action} on a Chute opened directly on the home (no pipeline), holding the home's
     * lock for its duration: for commands that found no running instance to talk to.
     */
    <T> T direct(java.util.function.Function<dev.chute.core.Chute, T> action) {
        Path h = home();
        try (HomeLock lock = HomeLock.tryAcquire(h).orElseThrow(() -> new dev.chute.spi.ChuteException(dev.chute.spi.ErrorCode.CONFIGURATION,
                "home " + h + " is in use by another Chute command (or a chute up that is starting); try again in a moment"));
             dev.chute.core.Chute chute = dev.chute.core.Chute.open(h, loadConfig(), false, dev.chute.core.PipelineListener.NONE)) {
            return action.apply(chute);
        }
    }

    void configureLogging() {
        if (!logFormat.equals("text") && !logFormat.equals("json")) {
            throw new dev.chute.spi.ChuteException(dev.chute.spi.ErrorCode.CONFIGURATION, "--log-format has value '" + logFormat + "'; expected text or json");
        }
        Logging.configure(logFormat, verbose);
    }
}
