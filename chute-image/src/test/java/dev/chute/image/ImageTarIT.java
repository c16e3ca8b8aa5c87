package dev.chute.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The image Jib built into a tar during {@code package} (no Docker daemon, no registry). It was built
 * on the empty base image, because no registry can be reached here to pull the JRE base: this test
 * checks Chute's part of the image (configuration, entrypoint, port, the jars in their layers) and
 * not that the image starts, which only a build on the real base verifies.
 */
class ImageTarIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, byte[]> files = new HashMap<>();
    private static JsonNode manifest;
    private static JsonNode config;

    @BeforeAll
    static void read() throws IOException {
        Path tar = Path.of(System.getProperty("chute.image.tar"));
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                files.put(e.getName(), in.readAllBytes());
            }
        }
        manifest = JSON.readTree(files.get("manifest.json")).get(0);
        config = JSON.readTree(files.get(manifest.path("Config").asText()));
    }

    private static List<String> layerEntries(String layer) throws IOException {
        List<String> names = new ArrayList<>();
        try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(files.get(layer)));
             TarArchiveInputStream in = new TarArchiveInputStream(gz)) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                names.add(e.getName());
            }
        }
        return names;
    }

    private static byte[] layerFile(String name) throws IOException {
        for (JsonNode layer : manifest.path("Layers")) {
            try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(files.get(layer.asText())));
                 TarArchiveInputStream in = new TarArchiveInputStream(gz)) {
                for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                    if (e.getName().equals(name)) {
                        return in.readAllBytes();
                    }
                }
            }
        }
        throw new AssertionError(name + " is in no layer");
    }

    @Test
    void imageIsNamedChuteAndRunsChuteUpOnEveryInterface() {
        assertThat(manifest.path("RepoTags").get(0).asText()).isEqualTo("chute:latest");
        JsonNode c = config.path("config");
        List<String> entrypoint = new ArrayList<>();
        c.path("Entrypoint").forEach(n -> entrypoint.add(n.asText()));
        List<String> cmd = new ArrayList<>();
        c.path("Cmd").forEach(n -> cmd.add(n.asText()));
        assertThat(entrypoint).startsWith("java").endsWith("dev.chute.app.Main").contains("-cp", "@/app/jib-classpath-file");
        // issue 12: an OutOfMemoryError ends the container rather than leaving it half-alive
        assertThat(entrypoint).contains("-XX:+ExitOnOutOfMemoryError");
        assertThat(cmd).containsExactly("up", "--bind", "0.0.0.0");
        assertThat(c.path("ExposedPorts").has("8080/tcp")).isTrue();
        assertThat(c.path("Env").toString()).contains("CHUTE_HOME=/tmp/chute-home");
        assertThat(config.path("os").asText()).isEqualTo("linux");
        assertThat(config.path("architecture").asText()).isEqualTo("amd64");
    }

    @Test
    void layersHoldTheAppAndItsCloudConnectorsOnTheClassPath() throws IOException {
        List<String> all = new ArrayList<>();
        for (JsonNode layer : manifest.path("Layers")) {
            all.addAll(layerEntries(layer.asText()));
        }
        assertThat(all).contains("app/libs/chute-app-0.1.0-SNAPSHOT.jar", "app/libs/chute-core-0.1.0-SNAPSHOT.jar",
                "app/libs/chute-gcs-0.1.0-SNAPSHOT.jar", "app/libs/chute-bigquery-0.1.0-SNAPSHOT.jar", "app/libs/chute-server-0.1.0-SNAPSHOT.jar",
                "app/jib-classpath-file", "app/jib-main-class-file");
        assertThat(all).anyMatch(n -> n.matches("app/libs/google-cloud-bigquery-.*\\.jar"));
        String classpath = new String(layerFile("app/jib-classpath-file"), StandardCharsets.UTF_8);
        assertThat(classpath).contains("/app/libs/chute-app-0.1.0-SNAPSHOT.jar", "/app/libs/chute-bigquery-0.1.0-SNAPSHOT.jar");
        assertThat(new String(layerFile("app/jib-main-class-file"), StandardCharsets.UTF_8).trim()).isEqualTo("dev.chute.app.Main");
    }
}
