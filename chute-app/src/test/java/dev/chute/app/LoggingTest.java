package dev.chute.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Log lines on standard error (issue 13: a failure is one message, its stack trace only under --verbose). */
class LoggingTest {
    private final PrintStream systemErr = System.err;

    @AfterEach
    void restore() {
        System.setErr(systemErr);
        Logging.configure("text", false);
    }

    private String logged(boolean verbose) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        Logging.configure("text", verbose);
        LoggerFactory.getLogger("dev.chute.test").error("loading a batch into shop.orders failed",
                new IllegalStateException("the warehouse went away", new java.io.IOException("connection reset")));
        System.setErr(systemErr);
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void anErrorIsLoggedWithoutItsStackTraceUnlessVerbose() {
        String plain = logged(false);
        String verbose = logged(true);

        assertThat(plain).contains("ERROR loading a batch into shop.orders failed").contains("the warehouse went away").contains("connection reset")
                .doesNotContain("\tat ");
        assertThat(verbose).contains("the warehouse went away").contains("\tat dev.chute.app.LoggingTest");
    }
}
