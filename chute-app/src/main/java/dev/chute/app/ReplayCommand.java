package dev.chute.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "replay", description = {"Move failed files (not their .error.json sidecars) back to landing for another try.",
        "Exit code 1 when a PATH given matches no failed file (the others are still moved)."})
final class ReplayCommand implements Callable<Integer> {
    @Mixin
    HomeOptions options;

    @Parameters(arity = "0..*", paramLabel = "PATH", description = "Files or directories under failed/ (paths or keys); all failed files when none is given.")
    List<String> paths = new ArrayList<>();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        options.configureLogging();
        Path home = options.home();
        Path failedRoot = home.resolve("failed");
        List<String> keys = new ArrayList<>();
        for (String p : paths) {
            Path path = Path.of(p).toAbsolutePath().normalize();
            keys.add(path.startsWith(failedRoot) ? failedRoot.relativize(path).toString().replace(java.io.File.separatorChar, '/') : p);
        }
        List<String> moved = new ArrayList<>();
        Optional<HomeLock.RunningInstance> running = HomeLock.running(home);
        if (running.isPresent()) {
            JsonNode answer = new Remote(running.get()).post("/api/replay", Map.of("keys", keys));
            answer.path("replayed").forEach(k -> moved.add(k.asText()));
        } else {
            moved.addAll(options.direct(chute -> chute.replay(keys)));
        }
        PrintWriter out = spec.commandLine().getOut();
        moved.forEach(k -> out.println("replayed " + k));
        out.flush();
        // a name the user typed that matched nothing is an error (a typo, or the file was already replayed), not a quiet "0 files"
        List<String> unmatched = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            String prefix = key.endsWith("/") ? key : key + "/";
            if (moved.stream().noneMatch(k -> k.equals(key) || k.startsWith(prefix))) {
                unmatched.add(paths.get(i).equals(key) ? key : paths.get(i) + " (key " + key + ")");
            }
        }
        if (!moved.isEmpty() || unmatched.isEmpty()) {
            out.printf("%d file(s) moved back to landing%n", moved.size());
            out.flush();
        }
        if (!unmatched.isEmpty()) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("chute: nothing in failed/ matches " + String.join(", ", unmatched) + ": looked for a failed file, or a folder of them,"
                    + " with that key in the failed area (" + failedRoot + " for a local store); `chute status` lists the recent failures");
            err.flush();
            return Main.FILES_FAILED;
        }
        return Main.OK;
    }
}
