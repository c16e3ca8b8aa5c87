package dev.chute.app;

import dev.chute.core.ApiToken;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "token", description = "Create an API token: prints the secret (once) and the server.tokens entry for chute.yaml, which holds only its SHA-256.")
final class TokenCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Accepted like every command's; a token does not depend on the home. */
    @picocli.CommandLine.Mixin
    HomeOptions options;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "Who or what uses the token (shown in logs).")
    String name;

    @Option(names = "--role", defaultValue = "viewer", paramLabel = "ROLE", description = "viewer, uploader or admin (default: ${DEFAULT-VALUE}).")
    String role;

    @Override
    public Integer call() {
        ApiToken.Role parsed = ApiToken.Role.parse(role).orElseThrow(() -> new picocli.CommandLine.ParameterException(spec.commandLine(),
                "--role is '" + role + "'; expected viewer, uploader or admin"));
        if (!name.matches("[A-Za-z0-9_.@-]{1,64}")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--name is '" + name + "'; expected 1 to 64 letters, digits, '_', '.', '@', '-'");
        }
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String secret = "chute_" + HexFormat.of().formatHex(random);
        var out = spec.commandLine().getOut();
        out.println("Token for " + name + " (" + parsed.id() + "); shown once, keep it secret:");
        out.println();
        out.println("  " + secret);
        out.println();
        out.println("Add this to chute.yaml (it holds only the hash):");
        out.println();
        out.println("server:");
        out.println("  tokens:");
        out.println("    - name: " + name);
        out.println("      role: " + parsed.id());
        out.println("      sha256: " + ApiToken.hash(secret));
        out.flush();
        return Main.OK;
    }
}
