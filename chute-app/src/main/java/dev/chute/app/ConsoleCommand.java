package dev.chute.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * Prints a new one-time sign-in link to the console of the {@code chute up} running on the home.
 * It asks the server with the admin secret in {@code <home>/.chute/server.json}, which only the
 * home's owner can read, so only the owner gets a link.
 */
@Command(name = "console", description = "Print a one-time sign-in link to the console of the Chute running on this home (works once, for a few minutes).")
final class ConsoleCommand implements Callable<Integer> {
    @Mixin
    HomeOptions options;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        options.configureLogging();
        Path home = options.home();
        HomeLock.RunningInstance running = HomeLock.running(home).orElseThrow(() -> new ChuteException(ErrorCode.CONFIGURATION,
                "no Chute is running on home " + home + " (or you cannot read its .chute/server.json); start it with chute up"));
        PrintWriter out = spec.commandLine().getOut();
        if (running.token().isEmpty()) {
            out.println("Console: " + running.url() + "/ (no sign-in: server.auth is none)");
        } else {
            JsonNode link = new Remote(running).post("/api/session/links", Map.of());
            out.println("Console: " + running.url() + link.path("path").asText());
            out.println("  (a one-time sign-in link, for you only: it works once, within " + link.path("expiresInSeconds").asLong() / 60 + " minutes)");
        }
        out.flush();
        return Main.OK;
    }
}
