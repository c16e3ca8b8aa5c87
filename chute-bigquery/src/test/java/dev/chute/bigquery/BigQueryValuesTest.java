package dev.chute.bigquery;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.FieldList;
import com.google.cloud.bigquery.FieldValue;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.LegacySQLTypeName;
import com.google.cloud.bigquery.StandardSQLTypeName;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 (item 10): how BigQuery's answers become plain values. A STRUCT came back as the text of
 * the client's objects ("[FieldValue{attribute=PRIMITIVE, value=1...}]") and an ARRAY likewise; now
 * they are maps and lists, written as JSON. A TIMESTAMP is a point in time; a DATETIME has no time
 * zone and keeps none. Values built as BigQuery's client builds them from an answer (its contract
 * server runs no SQL).
 */
class BigQueryValuesTest {
    private static FieldValue primitive(String value) {
        return FieldValue.of(FieldValue.Attribute.PRIMITIVE, value);
    }

    @Test
    void structsAndArraysArePlainMapsAndListsAndTimestampsKeepTheirZoneOrNone() {
        Field number = Field.of("k", StandardSQLTypeName.INT64);
        Field numbers = Field.newBuilder("l", StandardSQLTypeName.INT64).setMode(Field.Mode.REPEATED).build();
        Field struct = Field.of("st", LegacySQLTypeName.RECORD, FieldList.of(number, numbers));
        FieldValue structValue = FieldValue.of(FieldValue.Attribute.RECORD, FieldValueList.of(List.of(primitive("1"),
                FieldValue.of(FieldValue.Attribute.REPEATED, List.of(primitive("1"), primitive("2")))), FieldList.of(number, numbers)));
        assertThat(BigQueryWarehouse.value(struct, structValue)).isEqualTo(Map.of("k", 1L, "l", List.of(1L, 2L)));

        Field structs = Field.newBuilder("sts", LegacySQLTypeName.RECORD, FieldList.of(number)).setMode(Field.Mode.REPEATED).build();
        FieldValue structsValue = FieldValue.of(FieldValue.Attribute.REPEATED, List.of(
                FieldValue.of(FieldValue.Attribute.RECORD, FieldValueList.of(List.of(primitive("7")), FieldList.of(number)))));
        assertThat(BigQueryWarehouse.value(structs, structsValue)).isEqualTo(List.of(Map.of("k", 7L)));

        assertThat(BigQueryWarehouse.value(Field.of("at", StandardSQLTypeName.TIMESTAMP), primitive("1714550400.0")))
                .isEqualTo(Instant.parse("2024-05-01T08:00:00Z"));
        assertThat(BigQueryWarehouse.value(Field.of("local", StandardSQLTypeName.DATETIME), primitive("2024-05-01T10:00:00")))
                .isEqualTo("2024-05-01T10:00:00");
    }
}
