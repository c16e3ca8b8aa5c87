package dev.chute.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 7: a column type the warehouse does not know is a configuration error that
 * {@code chute doctor} reports and {@code chute up} refuses to start with, both exiting 2 and naming
 * the key path, instead of passing both and failing each file at load time.
 */
class ConfigAtStartProcessTest {
    @TempDir
    Path root;

    private Path home;
    private ChuteProcesses chute;

    @BeforeEach
    void setUp(TestInfo test) throws IOException {
        home = Files.createDirectories(root.resolve("home"));
        Files.writeString(home.resolve("chute.yaml"), """
                routes:
                  - match: 'sales/*.csv'
                    table: shop.sales
                    columns:
                      amount: DECIMAL(18,
                """);
        chute = ChuteProcesses.forTest(test);
    }

    @AfterEach
    void killProcesses() {
        chute.close();
    }

    @Test
    void doctorAndUpExitTwoNamingTheColumnWhoseTypeTheWarehouseDoesNotKnow() {
        String problem = "configuration key 'routes[0].columns.amount' has value 'DECIMAL(18,', which is not a type the duckdb warehouse knows:"
                + " syntax error at end of input";

        ChuteProcesses.CliResult doctor = chute.run(home, "doctor");
        assertThat(doctor.exitCode()).as(doctor::toString).isEqualTo(2);
        assertThat(doctor.stdout()).as(doctor::toString).contains("FIX   configuration: " + problem);

        ChuteProcesses.CliResult up = chute.run(home, "up", "--port", "0");
        assertThat(up.exitCode()).as(up::toString).isEqualTo(2);
        assertThat(up.stderr()).as(up::toString).contains(problem).doesNotContain("Exception");
    }
}
