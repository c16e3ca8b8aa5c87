package dev.chute.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TableIdTest {
    @Test
    void namesAreCaseInsensitiveAndStoredLowerCase() {
        assertThat(TableId.parse("Ecommerce.Order_Events")).isEqualTo(new TableId("ecommerce", "order_events"));
        assertThat(TableId.parse("_a1._b2").toString()).isEqualTo("_a1._b2");
    }

    @Test
    void nonIdentifiersAreRefusedWithExpectedAndFound() {
        assertThatThrownBy(() -> TableId.parse("a.b-c")).hasMessageContaining("found 'b-c'");
        assertThatThrownBy(() -> TableId.parse("a.b.c")).hasMessageContaining("expected a table name 'dataset.table', found 'a.b.c'");
        assertThatThrownBy(() -> new TableId("1a", "b")).hasMessageContaining("[A-Za-z_][A-Za-z0-9_]*");
        assertThatThrownBy(() -> new TableId("a", "x".repeat(129))).hasMessageContaining("129 characters");
        assertThatThrownBy(() -> new TableId("_CHUTE", "ledger")).hasMessageContaining("reserved");
        assertThat(new TableId("a", "x".repeat(128)).table()).hasSize(128);
    }

    @Test
    void formatsFollowTheExtension() {
        assertThat(FileFormat.fromFileName("a.CSV.GZ")).contains(new FileFormat(FileFormat.Kind.CSV, FileFormat.Compression.GZIP));
        assertThat(FileFormat.fromFileName("a.ndjson.zst")).contains(new FileFormat(FileFormat.Kind.JSON, FileFormat.Compression.ZSTD));
        assertThat(FileFormat.fromFileName("a.parquet")).contains(new FileFormat(FileFormat.Kind.PARQUET, FileFormat.Compression.NONE));
        assertThat(FileFormat.fromFileName("a.xlsx")).isEmpty();
    }
}
