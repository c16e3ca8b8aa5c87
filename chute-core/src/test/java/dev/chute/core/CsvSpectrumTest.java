package dev.chute.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.spi.QueryResult;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The public csv-spectrum corpus loads with the values its expectations list (all as text; empty as ""). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CsvSpectrumTest {
    EmbeddedHome h;

    @BeforeAll
    void start(@TempDir Path home) {
        h = new EmbeddedHome(home);
    }

    @AfterAll
    void stop() {
        h.close();
    }

    static Stream<String> cases() {
        return Stream.of("comma_in_quotes", "empty", "empty_crlf", "escaped_quotes", "json", "newlines", "newlines_crlf",
                "quotes_and_newlines", "simple", "simple_crlf", "utf8");
    }

    @ParameterizedTest
    @MethodSource("cases")
    void loadsWithExpectedValues(String name) throws Exception {
        byte[] csv = resource(name + ".csv");
        JsonNode expected = Json.mapper().readTree(resource(name + ".json"));
        h.drop("spectrum/" + name + "/" + name + ".csv", csv);
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(h.archive("spectrum/" + name + "/" + name + ".csv")));
        List<String> columns = new ArrayList<>();
        expected.get(0).fieldNames().forEachRemaining(columns::add);
        String select = String.join(", ", columns.stream().map(c -> "CAST(\"" + c.replace("\"", "\"\"") + "\" AS VARCHAR)").toList());
        QueryResult result = h.query("SELECT " + select + " FROM spectrum." + name + " ORDER BY rowid");
        List<Map<String, String>> actual = new ArrayList<>();
        for (List<Object> row : result.rows()) {
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                // csv-spectrum writes an empty field as ""; Chute keeps an unquoted empty field as NULL
                values.put(columns.get(i), row.get(i) == null ? "" : row.get(i).toString());
            }
            actual.add(values);
        }
        List<Map<String, String>> wanted = new ArrayList<>();
        for (JsonNode row : expected) {
            Map<String, String> values = new LinkedHashMap<>();
            row.fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asText()));
            wanted.add(values);
        }
        assertThat(actual).isEqualTo(wanted);
    }

    private static byte[] resource(String name) throws Exception {
        try (InputStream in = CsvSpectrumTest.class.getResourceAsStream("/csv-spectrum/" + name)) {
            return in.readAllBytes();
        }
    }
}
