package dev.chute.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 7: every mistake in {@code chute.yaml} is reported with the key's whole path, the
 * value found and what is allowed there, in words a person wrote; never a parser's exception text
 * such as {@code For input string: "lots"}. One test per kind of value (numbers, sizes, durations,
 * booleans, enums, lists, mappings) and per kind of key (scalar, table, route).
 */
class ConfigMessagesTest {
    private static void refused(String yaml, String message) {
        assertThatThrownBy(() -> ChuteConfig.parse(yaml, "chute.yaml"))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessage(message);
    }

    @Test
    void numberThatIsNotANumberSaysWhatIsAllowedWithoutTheParsersWords() {
        refused("batch:\n  max_files: lots\n", "configuration key 'batch.max_files' has value 'lots'; expected an integer from 1 to 100000");
        refused("batch:\n  max_files: 0\n", "configuration key 'batch.max_files' has value '0'; expected an integer from 1 to 100000");
        refused("batch:\n  max_files: 99999999999\n", "configuration key 'batch.max_files' has value '99999999999'; expected an integer from 1 to 100000");
        refused("tables:\n  a.b:\n    max_bad_rows: some\n",
                "configuration key 'tables.a.b.max_bad_rows' has value 'some'; expected an integer from 0 to 2147483647");
    }

    @Test
    void sizeTooLargeForALongIsRefusedNotWrappedAround() {
        refused("batch:\n  max_bytes: 99999999999GB\n",
                "configuration key 'batch.max_bytes' has value '99999999999GB'; expected a size in bytes (suffix KB, MB, GB, TB allowed)");
        refused("batch:\n  max_bytes: 99999999999999999999\n",
                "configuration key 'batch.max_bytes' has value '99999999999999999999'; expected a size in bytes (suffix KB, MB, GB, TB allowed)");
        refused("batch:\n  max_bytes: much\n", "configuration key 'batch.max_bytes' has value 'much'; expected a size in bytes (suffix KB, MB, GB, TB allowed)");
    }

    @Test
    void durationsBooleansAndEnumsNameKeyValueAndChoices() {
        refused("batch:\n  max_wait: soon\n",
                "configuration key 'batch.max_wait' has value 'soon'; expected a duration such as 250ms, 10s, 5m, 2h, 30d (a bare number means milliseconds)");
        refused("archive:\n  retention: 99999999999999999d\n", "configuration key 'archive.retention' has value '99999999999999999d'; expected a duration such as"
                + " 250ms, 10s, 5m, 2h, 30d (a bare number means milliseconds)");
        refused("tables:\n  a.b:\n    lineage: maybe\n", "configuration key 'tables.a.b.lineage' has value 'maybe'; expected true or false");
        refused("routes:\n  - match: 'x/*.csv'\n    table: a.b\n    header: sometimes\n",
                "configuration key 'routes[0].header' has value 'sometimes'; expected one of auto, true, false");
        refused("server:\n  auth: sometimes\n", "configuration key 'server.auth' has value 'sometimes'; expected one of required, auto, none");
    }

    @Test
    void listsMappingsAndMissingValuesSayWhatWasFound() {
        refused("routes:\n  match: x\n", "configuration key 'routes' must be a list of {match, table, ...}, found a mapping");
        refused("batch: [1, 2]\n", "configuration key 'batch' must be a mapping (key: value lines), found a list");
        refused("batch:\n  max_files: [1, 2]\n",
                "configuration key 'batch.max_files' must be a single value, found a list; expected an integer from 1 to 100000");
        refused("tables:\n  a.b:\n    columns:\n      amount:\n",
                "configuration key 'tables.a.b.columns.amount' has no value; expected a SQL type name such as BIGINT, DOUBLE, DECIMAL(18,2), VARCHAR, DATE, TIMESTAMPTZ");
        refused("tables:\n  a.b:\n    columns: [amount]\n", "configuration key 'tables.a.b.columns' must be a mapping (key: value lines), found a list");
        refused("store:\n  landing: [a, b]\n", "configuration key 'store.landing' must be a single value (a string, number or true/false), found a list");
    }

    @Test
    void unknownRouteKeyIsNamedWithTheClosestKnownOne() {
        refused("routes:\n  - match: 'sales/*.csv'\n    table: shop.sales\n  - match: 'x/*.csv'\n    tabel: a.b\n",
                "configuration key 'routes[1]': unknown key 'tabel' (known: match, table, columns, format, delimiter, quote, escape, header, encoding,"
                        + " on_overwrite, on_type_conflict, max_bad_rows, lineage, freshness); did you mean 'table'?");
        refused("routes:\n  - match: 'x/*.csv'\n", "configuration key 'routes[0].table' is missing; a route needs 'match' (a glob on the key,"
                + " such as sales/*.csv) and 'table' (dataset.table)");
        refused("routes:\n  - match: 'x/[a'\n    table: a.b\n", "configuration key 'routes[0].match' has value 'x/[a'; expected a glob on the key"
                + " (* within a directory, ** across directories, ? one character, [abc], {a,b}), which this is not");
    }

    @Test
    void unknownTableScalarAndSectionKeysSuggestTheClosest() {
        refused("tables:\n  a.b:\n    formt: csv\n", "configuration key 'tables.a.b': unknown key 'formt' (known: columns, format, delimiter, quote, escape,"
                + " header, encoding, on_overwrite, on_type_conflict, max_bad_rows, lineage, freshness); did you mean 'format'?");
        assertThatThrownBy(() -> ChuteConfig.parse("batch:\n  max_filez: 3\n", "chute.yaml"))
                .hasMessageEndingWith("; did you mean 'batch.max_files'?");
        assertThatThrownBy(() -> ChuteConfig.parse("bacth:\n  max_files: 3\n", "chute.yaml"))
                .hasMessageEndingWith("; did you mean 'batch'?");
        // nothing close: no guess
        assertThatThrownBy(() -> ChuteConfig.parse("tables:\n  a.b:\n    colour: red\n", "chute.yaml"))
                .hasMessageEndingWith("lineage, freshness)");
    }

    @Test
    void yamlSyntaxErrorNamesTheLineWithoutParserInternals() {
        assertThatThrownBy(() -> ChuteConfig.parse("batch:\n  max_files: [1\n", "chute.yaml"))
                .hasMessageStartingWith("chute.yaml is not valid YAML (line ")
                .hasMessageNotContaining("Source:")
                .hasMessageNotContaining("Exception")
                .hasMessageNotContaining("\n");
    }
}
