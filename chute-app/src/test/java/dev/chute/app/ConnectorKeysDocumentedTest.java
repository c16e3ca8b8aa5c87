package dev.chute.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chute.core.PushEventSource;
import dev.chute.spi.EventSourceFactory;
import dev.chute.spi.ObjectStoreFactory;
import dev.chute.spi.WarehouseFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: every key of every connector found on the class path (each factory's {@code keys()},
 * the same set that refuses unknown keys) is described in the connector's doc, so a key added in
 * code without a word in the docs fails the build.
 */
class ConnectorKeysDocumentedTest {
    private static final Path DOCS = Path.of("..", "docs");

    /** Where each connector's section is described; a connector missing here fails the test. */
    private static final Map<String, String> DOC_OF = Map.ofEntries(
            Map.entry("store local", "configuration.md"), Map.entry("store s3", "sources.md"), Map.entry("store gcs", "sources.md"),
            Map.entry("warehouse duckdb", "configuration.md"), Map.entry("warehouse postgres", "postgres.md"),
            Map.entry("warehouse bigquery", "bigquery.md"), Map.entry("events http", "sources.md"), Map.entry("events nats", "sources.md"),
            Map.entry("events amqp", "sources.md"), Map.entry("events sqs", "sources.md"));

    /** The connectors of the test kit, which users never configure. */
    private static final Set<String> TEST_ONLY = Set.of("store notifying-local");

    @Test
    void docsDescribeEveryKeyOfEveryConnector() throws IOException {
        Map<String, Set<String>> connectors = new LinkedHashMap<>();
        ServiceLoader.load(ObjectStoreFactory.class).forEach(f -> connectors.put("store " + f.name(), f.keys()));
        ServiceLoader.load(WarehouseFactory.class).forEach(f -> connectors.put("warehouse " + f.name(), f.keys()));
        ServiceLoader.load(EventSourceFactory.class).forEach(f -> connectors.put("events " + f.name(), f.keys()));
        connectors.put("events http", PushEventSource.KEYS);
        TEST_ONLY.forEach(connectors::remove);
        assertThat(connectors.keySet()).as("connectors found").hasSizeGreaterThanOrEqualTo(DOC_OF.size());

        List<String> undocumented = new ArrayList<>();
        for (Map.Entry<String, Set<String>> connector : connectors.entrySet()) {
            String doc = DOC_OF.get(connector.getKey());
            if (doc == null) {
                undocumented.add(connector.getKey() + ": no doc assigned (add it to DOC_OF and describe its keys there)");
                continue;
            }
            String text = Files.readString(DOCS.resolve(doc));
            for (String key : connector.getValue()) {
                if (!mentioned(text, key)) {
                    undocumented.add(connector.getKey() + " key '" + key + "' in docs/" + doc);
                }
            }
        }
        assertThat(undocumented).as("connector keys the docs do not describe").isEmpty();
    }

    /** Named in inline code ({@code `max_hold`}, {@code `store.landing`}) or as a key in a YAML example ({@code max_hold: 1h}). */
    private static boolean mentioned(String text, String key) {
        String word = "(?<![A-Za-z0-9_])" + Pattern.quote(key) + "(?![A-Za-z0-9_])";
        return Pattern.compile("`[^`\\n]*" + word + "[^`\\n]*`").matcher(text).find()
                || Pattern.compile("^\\s*(#\\s*)?" + word + ":", Pattern.MULTILINE).matcher(text).find();
    }
}
