package dev.chute.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresSettingsTest {
    @TempDir
    Path home;

    @Test
    void readsSecretsFromAFileAndDefaults() throws Exception {
        Files.writeString(home.resolve("pw.txt"), "s3cret\n");
        PostgresSettings s = PostgresSettings.from(new ConnectorContext(home, Map.of("type", "postgres", "url", "jdbc:postgresql://h/db",
                "password_file", "pw.txt")));
        assertThat(s.password()).contains("s3cret");
        assertThat(s.user()).isEqualTo("postgres");
        assertThat(s.poolSize()).isEqualTo(4);
        assertThat(s.readerRole()).contains("chute_reader");
        assertThat(s.queryWorkMem()).isEqualTo("16MB");
        assertThat(s.queryTempFileLimit()).isEqualTo("1GB");
    }

    @Test
    void badSettingsNameTheKey() {
        assertThatThrownBy(() -> PostgresSettings.from(new ConnectorContext(home, Map.of("url", "jdbc:postgresql://h/db", "pool", "3"))))
                .isInstanceOf(ChuteException.class).hasMessageContaining("unknown configuration key 'warehouse.pool'");
        assertThatThrownBy(() -> PostgresSettings.from(new ConnectorContext(home, Map.of())))
                .hasMessageContaining("'warehouse.url' is required");
        assertThatThrownBy(() -> PostgresSettings.from(new ConnectorContext(home, Map.of("url", "postgres://h/db"))))
                .hasMessageContaining("warehouse.url").hasMessageContaining("jdbc:postgresql:");
        assertThatThrownBy(() -> PostgresSettings.from(new ConnectorContext(home, Map.of("url", "jdbc:postgresql://h/db", "password", "a",
                "password_env", "B")))).hasMessageContaining("exclude each other");
        assertThatThrownBy(() -> PostgresSettings.from(new ConnectorContext(home, Map.of("url", "jdbc:postgresql://h/db",
                "password_env", "CHUTE_SURELY_UNSET_VARIABLE")))).hasMessageContaining("warehouse.password_env");
        assertThatThrownBy(() -> PostgresSettings.from(new ConnectorContext(home, Map.of("url", "jdbc:postgresql://h/db", "reader_role", "x; drop"))))
                .hasMessageContaining("warehouse.reader_role");
        assertThatThrownBy(() -> PostgresSettings.from(new ConnectorContext(home, Map.of("url", "jdbc:postgresql://h/db", "pool_size", "0"))))
                .hasMessageContaining("warehouse.pool_size");
        assertThatThrownBy(() -> PostgresSettings.from(new ConnectorContext(home, Map.of("url", "jdbc:postgresql://h/db", "query_work_mem", "16MB'; x"))))
                .hasMessageContaining("warehouse.query_work_mem").hasMessageContaining("16MB");
        assertThatThrownBy(() -> PostgresSettings.from(new ConnectorContext(home, Map.of("url", "jdbc:postgresql://h/db", "query_temp_file_limit", "-1"))))
                .hasMessageContaining("warehouse.query_temp_file_limit");
    }

    /** Issue 14: PostgreSQL's sizes take the one size grammar of every key and are written in PostgreSQL's units for SET. */
    @Test
    void querySizesUseTheOneSizeGrammar() {
        PostgresSettings s = PostgresSettings.from(new ConnectorContext(home, Map.of("url", "jdbc:postgresql://h/db", "query_work_mem", "64mb",
                "query_temp_file_limit", "1TB", "query_timeout", "2m")));
        assertThat(s.queryWorkMem()).isEqualTo("64MB");
        assertThat(s.queryTempFileLimit()).isEqualTo("1024GB");
        assertThat(s.queryTimeout()).hasMinutes(2);
        assertThat(PostgresSettings.from(new ConnectorContext(home, Map.of("url", "jdbc:postgresql://h/db", "query_work_mem", "1536KB"))).queryWorkMem())
                .isEqualTo("1536kB");
        assertThatThrownBy(() -> PostgresSettings.from(new ConnectorContext(home, Map.of("url", "jdbc:postgresql://h/db", "query_work_mem", "100"))))
                .hasMessageContaining("'warehouse.query_work_mem' has value '100'").hasMessageContaining("whole kilobytes");
    }

    @Test
    void unreachableDatabaseIsRetryable() {
        PostgresSettings s = PostgresSettings.from(new ConnectorContext(home, Map.of("url", "jdbc:postgresql://127.0.0.1:1/none?connectTimeout=2")));
        assertThatThrownBy(() -> PostgresWarehouse.open(s, home)).isInstanceOf(ChuteException.class)
                .satisfies(e -> assertThat(((ChuteException) e).retryable()).isTrue());
    }
}
