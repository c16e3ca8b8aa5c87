package dev.chute.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chute.spi.ErrorCode;
import dev.chute.spi.LoadError;
import java.sql.SQLException;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class DuckDbErrorsTest {
    /**
     * Issue 11 item 5: apache/parquet-testing's hadoop_lz4_compressed.parquet fails naming its codec;
     * DuckDB's list of the codecs it does read (zstd among them) is no zstd problem of the file.
     */
    @Test
    void unsupportedParquetCodecIsNamedNotTakenForZstd() {
        SQLException e = new SQLException("Invalid Input Error: Failed to read file \"/home/x/.chute/staging/l1/a.parquet\": Unsupported compression"
                + " codec \"LZ4\". Supported options are uncompressed, brotli, gzip, lz4_raw, snappy or zstd");
        LoadError error = DuckDbErrors.describe("t/a.parquet", e, OptionalLong.empty());
        assertThat(error.code()).isEqualTo(ErrorCode.UNSUPPORTED_FORMAT);
        assertThat(error.reason()).contains("codec LZ4").contains("Hadoop").contains("not support").doesNotContain("zstd-compressed")
                .doesNotContain("/.chute/");
    }
}
