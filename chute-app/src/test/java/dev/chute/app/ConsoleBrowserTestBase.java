package dev.chute.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every browser test of the console shares: one headless Chromium per class (Debian's, through
 * Playwright), a fresh tab and a fresh home per test, {@code chute up} processes closed after each
 * test, and the small helpers to sign in, land files and wait on the page.
 */
abstract class ConsoleBrowserTestBase {
    protected static final Duration WAIT = Duration.ofSeconds(60);

    private static ConsoleBrowser browser;

    @TempDir
    protected Path home;

    protected ChuteProcesses chute;
    protected ConsoleBrowser.Tab tab;
    protected Page page;

    @BeforeAll
    static void launchBrowser() {
        // a test that cannot run here fails, it never skips: ./run-tests installs Chromium (scripts/install-test-tools.sh)
        assertThat(ConsoleBrowser.available()).as("no Chromium at " + ConsoleBrowser.CHROMIUM
                + ": install it with apt-get install -y chromium (./run-tests does); the console's browser tests need it").isTrue();
        browser = ConsoleBrowser.launch();
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.close();
            browser = null;
        }
    }

    @BeforeEach
    void openTab(TestInfo test) {
        chute = ChuteProcesses.forTest(test);
        tab = browser.open();
        page = tab.page();
    }

    @AfterEach
    void closeTab() {
        try {
            tab.close();
        } finally {
            chute.close();
        }
    }

    /** Another tab of the class's browser, with cookies of its own (a second person). */
    protected static ConsoleBrowser.Tab otherTab() {
        return browser.open();
    }

    /** Opens the one-time sign-in link {@code chute up} printed, as its owner does, and waits for the console. */
    protected ChuteProcess signedIn(ChuteProcess up) {
        page.navigate(up.signInLink());
        awaitUi("signed in with the link chute up printed", () -> page.getByTestId("session-role").textContent().contains("admin"));
        return up;
    }

    /** The chart container of the dashboard tile with this title. */
    protected Locator tile(String title) {
        return page.locator(".tile[data-title=\"" + title + "\"] .tile-chart");
    }

    /** An attribute of the first match, or null while nothing matches (never waits). */
    protected static String attribute(Locator locator, String name) {
        return locator.count() == 0 ? null : locator.first().getAttribute(name);
    }

    /** Waits for the page; on a timeout the error carries the page's script problems and text. */
    protected void awaitUi(String what, Callable<Boolean> condition) {
        try {
            await(what).atMost(WAIT).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(condition);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "\nscript problems: " + tab.problems() + "\npage text:\n"
                    + Optional.ofNullable(page.locator("#main").innerText()).orElse(""), e);
        }
    }

    /** Writes a file into landing the way a producer does: to a temporary name, then moved into place. */
    protected void land(String key, byte[] content) throws IOException {
        Path target = home.resolve("landing").resolve(key);
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempFile(home, "incoming", ".part");
        Files.write(temp, content);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    }

    protected void land(String key, String content) throws IOException {
        land(key, content.getBytes(StandardCharsets.UTF_8));
    }
}
