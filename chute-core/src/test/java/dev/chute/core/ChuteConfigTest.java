package dev.chute.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.spi.ChuteException;
import dev.chute.spi.FileFormat;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ChuteConfigTest {
    @Test
    void defaultsApplyWhenNothingIsConfigured() {
        ChuteConfig config = ChuteConfig.parse("", "test");
        assertThat(config.get(ChuteConfig.BATCH_MAX_FILES)).isEqualTo(1000);
        assertThat(config.get(ChuteConfig.BATCH_MAX_WAIT)).isEqualTo(Duration.ofMillis(10));
        assertThat(config.get(ChuteConfig.SERVER_BIND)).isEqualTo("127.0.0.1");
        assertThat(config.tableSpec(TableId.parse("a.b"))).isEqualTo(TableSpec.defaults());
    }

    @Test
    void unknownKeyIsNamedWithTheKnownOnes() {
        assertThatThrownBy(() -> ChuteConfig.parse("batch:\n  max_filez: 3\n", "chute.yaml"))
                .isInstanceOf(ChuteException.class)
                .hasMessageContaining("unknown configuration key 'batch.max_filez'")
                .hasMessageContaining("batch.max_files");
        assertThatThrownBy(() -> ChuteConfig.parse("bacth:\n  max_files: 3\n", "chute.yaml"))
                .hasMessageContaining("unknown configuration section 'bacth'");
    }

    @Test
    void badValueNamesKeyValueAndWhatIsAllowed() {
        assertThatThrownBy(() -> ChuteConfig.parse("batch:\n  max_files: lots\n", "x"))
                .hasMessageMatching("configuration key 'batch.max_files' has value 'lots'; expected an integer from 1 to 100000.*");
        assertThatThrownBy(() -> ChuteConfig.parse("batch:\n  max_wait: soon\n", "x"))
                .hasMessageContaining("'batch.max_wait' has value 'soon'; expected a duration");
        assertThatThrownBy(() -> ChuteConfig.parse("tables:\n  a.b:\n    on_overwrite: merge\n", "x"))
                .hasMessageContaining("'tables.a.b.on_overwrite' has value 'merge'; expected one of append, replace");
        assertThatThrownBy(() -> ChuteConfig.parse("tables:\n  a.b:\n    columns:\n      x: \"int; drop table t\"\n", "x"))
                .hasMessageContaining("tables.a.b.columns.x");
        assertThatThrownBy(() -> ChuteConfig.parse("tables:\n  a.b:\n    on_overwrite: replace\n    lineage: false\n", "x"))
                .hasMessageContaining("on_overwrite: replace needs lineage: true");
        assertThatThrownBy(() -> ChuteConfig.parse("tables:\n  not-a-table:\n    lineage: false\n", "x"))
                .hasMessageContaining("tables.not-a-table");
    }

    /** Issue 11 item 7: quote: none reads files without quoting; a quote of two characters is refused. */
    @Test
    void quoteNoneIsAnEmptyQuote() {
        ChuteConfig config = ChuteConfig.parse("tables:\n  a.b:\n    quote: none\n  a.c:\n    quote: \"'\"\n", "x");
        assertThat(config.tableSpec(TableId.parse("a.b")).quote()).contains(TableSpec.NO_QUOTE);
        assertThat(config.tableSpec(TableId.parse("a.c")).quote()).contains("'");
        assertThat(config.tableSpec(TableId.parse("a.d")).quote()).isEmpty();
        assertThatThrownBy(() -> ChuteConfig.parse("tables:\n  a.b:\n    quote: nope\n", "x"))
                .hasMessageContaining("'tables.a.b.quote' has value 'nope'; expected one character, none or auto");
    }

    @Test
    void tableSettingsAreRead() {
        ChuteConfig config = ChuteConfig.parse("""
                tables:
                  Sales.Orders:
                    format: csv
                    delimiter: "\\\\t"
                    header: false
                    encoding: ISO-8859-1
                    max_bad_rows: 5
                    columns:
                      id: bigint
                """, "x");
        TableSpec spec = config.tableSpec(TableId.parse("sales.orders"));
        assertThat(spec.format()).contains(FileFormat.Kind.CSV);
        assertThat(spec.delimiter()).contains("\t");
        assertThat(spec.header()).contains(false);
        assertThat(spec.encoding()).isEqualTo(TableSpec.Encoding.LATIN_1);
        assertThat(spec.maxBadRows()).isEqualTo(5);
        assertThat(spec.columnTypes()).containsEntry("id", "BIGINT");
    }

    @Test
    void routerFollowsTheSeedConventionAndConfiguredRoutes() {
        Router router = new Router(ChuteConfig.parse("""
                routes:
                  - match: "incoming/*.dat"
                    table: raw.events
                    format: json
                """, "x"));
        assertThat(router.route("Ecommerce/Order_Events/2024/01/x.csv").table()).isEqualTo(TableId.parse("ecommerce.order_events"));
        Router.Route route = router.route("incoming/a.dat");
        assertThat(route.table()).isEqualTo(TableId.parse("raw.events"));
        assertThat(route.format().kind()).isEqualTo(FileFormat.Kind.JSON);
        assertThat(Router.ignored("a/b/.x.csv")).isTrue();
        assertThat(Router.ignored("a/.b/x.csv")).isTrue();
        assertThat(Router.ignored("a/b/x.csv.part")).isTrue();
        assertThat(Router.ignored("a/b/x.csv")).isFalse();
    }

    @Test
    void avroRoutesByItsExtensionAndIsRefusedWithCompressionAroundIt() {
        Router router = new Router(ChuteConfig.parse("""
                tables:
                  raw.blobs:
                    format: avro
                """, "x"));
        Router.Route route = router.route("ecommerce/order_events/2024/part-0001.AVRO");
        assertThat(route.format()).isEqualTo(new FileFormat(FileFormat.Kind.AVRO, FileFormat.Compression.NONE));
        assertThat(route.format().extension()).isEqualTo(".avro");
        assertThat(router.route("raw/blobs/export.bin").format().kind()).isEqualTo(FileFormat.Kind.AVRO);
        for (String key : List.of("ecommerce/order_events/part-0001.avro.gz", "ecommerce/order_events/part-0001.avro.zst", "raw/blobs/export.bin.gz")) {
            assertThatThrownBy(() -> router.route(key))
                    .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(dev.chute.spi.ErrorCode.UNSUPPORTED_FORMAT))
                    .hasMessageStartingWith("cannot load '" + key + "': ")
                    .hasMessageContaining("expected an Avro file without outer compression")
                    .hasMessageMatching("(?s).*found Avro with (GZIP|ZSTD) compression.*");
        }
        assertThatThrownBy(() -> ChuteConfig.parse("tables:\n  raw.blobs:\n    format: orc\n", "chute.yaml"))
                .isInstanceOf(ChuteException.class).hasMessageContaining("avro");
    }

    @Test
    void versionedKeysKeepTheExtension() {
        assertThat(Pipeline.versionedKey("a/b/name.csv.gz", "abc")).isEqualTo("a/b/name~abc.csv.gz");
        assertThat(Pipeline.versionedKey("a/b/name", "abc")).isEqualTo("a/b/name~abc");
        assertThat(Pipeline.versionedKey("a/b/.hidden.csv", "abc")).isEqualTo("a/b/.hidden~abc.csv");
    }

    /** Issue 11 item 7 (corpus human_eval.tsv): escape is one ASCII character, none or auto, and not the delimiter. */
    @Test
    void escapeIsOneAsciiCharacterOrNone() {
        ChuteConfig config = ChuteConfig.parse("tables:\n  a.b:\n    escape: '\\'\n  a.c:\n    escape: none\n", "x");
        assertThat(config.tableSpec(TableId.parse("a.b")).escape()).contains("\\");
        assertThat(config.tableSpec(TableId.parse("a.c")).escape()).contains(TableSpec.NO_ESCAPE);
        assertThat(config.tableSpec(TableId.parse("a.d")).escape()).isEmpty();
        assertThatThrownBy(() -> ChuteConfig.parse("tables:\n  a.b:\n    escape: ab\n", "x"))
                .hasMessageContaining("'tables.a.b.escape' has value 'ab'; expected one ASCII character, none or auto");
        assertThatThrownBy(() -> ChuteConfig.parse("tables:\n  a.b:\n    escape: \"\u00a7\"\n", "x"))
                .hasMessageContaining("expected one ASCII character, none or auto");
        assertThatThrownBy(() -> ChuteConfig.parse("tables:\n  a.b:\n    delimiter: '|'\n    escape: '|'\n", "x"))
                .hasMessageContaining("'tables.a.b.escape' has value '|'; expected a character other than the delimiter and the line ends");
    }

    /** docs/configuration.md lists every key with its default. */
    @Test
    void everyKeyIsDocumentedWithItsDefault() throws Exception {
        Path doc = Path.of("..", "docs", "configuration.md");
        String text = Files.readString(doc);
        for (ConfigKey<?> key : concat(ChuteConfig.KEYS, ChuteConfig.TABLE_KEYS)) {
            String name = key.name().startsWith("tables.*.") ? key.name().substring("tables.*.".length()) : key.name();
            String shown = key.defaultText().isEmpty() ? "(empty)" : "`" + key.defaultText() + "`";
            assertThat(text).as(key.name())
                    .containsPattern("\\| `" + Pattern.quote(name) + "` \\|[^\\n]*" + Pattern.quote(shown));
        }
    }

    private static List<ConfigKey<?>> concat(List<ConfigKey<?>> a, List<ConfigKey<?>> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
