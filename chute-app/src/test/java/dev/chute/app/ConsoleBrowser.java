package dev.chute.app;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.ReducedMotion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Debian's Chromium driven by Playwright, headless. Playwright never downloads a browser here: it
 * is told to skip the download and pointed at {@code /usr/bin/chromium}. One browser serves a whole
 * test class; each test gets a fresh {@link BrowserContext} (own cookies and storage).
 */
final class ConsoleBrowser implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final int WIDTH = 1280;
    static final int HEIGHT = 800;

    private final Playwright playwright;
    private final Browser browser;

    private ConsoleBrowser(Playwright playwright, Browser browser) {
        this.playwright = playwright;
        this.browser = browser;
    }

    static boolean available() {
        return Files.isExecutable(CHROMIUM);
    }

    static ConsoleBrowser launch() {
        Playwright playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        try {
            Browser browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                    .setExecutablePath(CHROMIUM)
                    .setHeadless(true)
                    .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync")));
            return new ConsoleBrowser(playwright, browser);
        } catch (RuntimeException e) {
            playwright.close();
            throw e;
        }
    }

    /** A page in a context of its own, 1280x800, that records script errors and CSP violations. */
    Tab open() {
        BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(WIDTH, HEIGHT).setLocale("en-US")
                // charts then draw at once, without their entry animation
                .setReducedMotion(ReducedMotion.REDUCE));
        Page page = context.newPage();
        page.setDefaultTimeout(30_000);
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        page.onPageError(error -> problems.add("uncaught: " + error));
        page.onConsoleMessage(message -> {
            String text = message.text();
            // a refused query or a failed file answers 4xx on purpose: the page shows it, that is no fault
            boolean expectedStatus = text.startsWith("Failed to load resource: the server responded with a status of 4");
            if (message.type().equals("error") && !expectedStatus) {
                problems.add("console: " + text);
            }
        });
        return new Tab(context, page, problems);
    }

    @Override
    public void close() {
        try {
            browser.close();
        } finally {
            playwright.close();
        }
    }

    /** One page and what went wrong in it. */
    record Tab(BrowserContext context, Page page, List<String> problems) implements AutoCloseable {
        @Override
        public void close() {
            context.close();
        }
    }
}
