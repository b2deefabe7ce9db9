package io.vertcd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The web console ({@code /ui/}) in a real browser: the vertcd jar as a child process, the system's headless Chromium
 * driven through the system chromedriver (Debian {@code chromium}, {@code chromium-driver}, installed by
 * {@code .ci/run}; the test fails when they are missing, and nothing is downloaded). It opens the page, sees this member
 * as leader, puts a key through the form and finds it in the key browser, checks that a value looking like HTML stays
 * text, that a non-UTF-8 key shows escaped and a long key truncated, watches a prefix and sees an etcdctl put arrive;
 * then, with auth enabled, is refused a put until it logs in as root, and watches with its token. The last screen is
 * kept as {@code target/ui-console.png}.
 */
class WebConsoleTest {
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Path TARGET = Path.of(System.getProperty("user.dir"), "target");

    @Test
    void consoleInHeadlessChromium() throws Exception {
        assertTrue(Files.isExecutable(CHROMEDRIVER), CHROMEDRIVER + " is missing: install Debian chromium-driver (.ci/run does)");
        assertTrue(Files.isExecutable(CHROMIUM), CHROMIUM + " is missing: install Debian chromium (.ci/run does)");
        try (MemberProcess member = MemberProcess.create(MemberKind.VERTCD, "ui").start()) {
            WebDriver browser = chromium();
            try {
                run(member, browser);
            } finally {
                try {
                    File shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
                    Files.copy(shot.toPath(), TARGET.resolve("ui-console.png"), StandardCopyOption.REPLACE_EXISTING);
                } finally {
                    browser.quit();
                }
            }
        }
    }

    private static void run(MemberProcess member, WebDriver browser) throws Exception {
        Etcdctl ctl = member.etcdctl();
        browser.get(member.clientUrl() + "/ui");
        assertEquals(member.clientUrl() + "/ui/", browser.getCurrentUrl(), "/ui redirects to /ui/");
        String title = browser.getTitle();
        assertEquals("vertcd console", title);

        // Members: this one, its leader role and its status from the gateway.
        await(browser, () -> text(browser, "members-body"), t -> t.contains("leader"));
        String status = gatewayCall(member, "/v3/maintenance/status", "{}");
        @SuppressWarnings("unchecked")
        List<String> cells = (List<String>) ((ChromeDriver) browser).executeScript(
                "return Array.from(document.querySelectorAll('#members-body tr:first-child td'), td => td.textContent)");
        assertEquals(9, cells.size(), cells.toString());
        assertEquals(List.of("ui", member.clientUrl(), "up", "leader"), List.of(cells.get(0), cells.get(2), cells.get(3), cells.get(4)));
        assertTrue(status.contains("\"raftTerm\":\"" + cells.get(5) + "\"") && status.contains("\"version\":\"" + cells.get(8) + "\""),
                "term and version as Status says: " + cells + " vs " + status);

        // Put through the form; browse the prefix.
        String html = "<img src=x onerror=\"document.title='pwned'\">";
        putThroughForm(browser, "ui/a", html);
        await(browser, () -> text(browser, "message"), t -> t.startsWith("put ui/a at revision"));
        assertEquals(html, ctl.run("get", "ui/a", "--print-value-only").stdout().trim(), "the form's put reached the store");
        browse(browser, "ui/");
        String keys = await(browser, () -> text(browser, "keys-body"), t -> t.contains("ui/a"));
        assertTrue(keys.contains(html), "the value is shown as text: " + keys);
        assertTrue(browser.findElement(By.id("keys-body")).findElements(By.tagName("img")).isEmpty(), "no HTML from a value");
        assertEquals(title, browser.getTitle(), "no script from a value");

        // A non-UTF-8 key is escaped, a long key truncated with a way to see all of it.
        gatewayPut(member, new byte[] {'u', 'i', '/', 'b', (byte) 0xff, (byte) 0xfe}, "binary");
        String longKey = "ui/c" + "k".repeat(1000);
        assertTrue(ctl.run("put", longKey, "long").ok());
        browse(browser, "ui/");
        keys = await(browser, () -> text(browser, "keys-body"), t -> t.contains("show all (1004 bytes)"));
        assertTrue(keys.contains("ui/b\\xff\\xfe"), "escaped bytes: " + keys);
        assertTrue(!keys.contains(longKey), "the long key is truncated");
        browser.findElement(By.cssSelector("#keys-body button.more")).click();
        await(browser, () -> text(browser, "keys-body"), t -> t.contains(longKey));

        // Pagination: a page of 20 keys, then the next page, never the whole range.
        for (int i = 0; i < 25; i++) {
            assertTrue(ctl.run("put", String.format("page/%02d", i), "v").ok());
        }
        browser.findElement(By.xpath("//select[@id='browse-limit']/option[text()='20']")).click();
        browse(browser, "page/");
        await(browser, () -> text(browser, "browse-state"), t -> t.startsWith("page 1, 20 of 25 keys"));
        assertEquals(20, browser.findElements(By.cssSelector("#keys-body tr")).size());
        browser.findElement(By.id("browse-next")).click();
        await(browser, () -> text(browser, "browse-state"), t -> t.startsWith("page 2, 5 of 5 keys"));
        assertTrue(text(browser, "keys-body").contains("page/20") && !text(browser, "keys-body").contains("page/19"));
        assertTrue(!browser.findElement(By.id("browse-next")).isEnabled(), "no page after the last");

        // Live watch of a prefix: an etcdctl put arrives.
        watch(browser, "ui/");
        assertTrue(ctl.run("put", "ui/live", "from-etcdctl").ok());
        await(browser, () -> text(browser, "watch-events"), t -> t.contains("PUT ui/live = from-etcdctl"));
        assertTrue(ctl.run("del", "ui/live").ok());
        await(browser, () -> text(browser, "watch-events"), t -> t.contains("DELETE ui/live"));

        // Auth: refused without a token, allowed after logging in through the form.
        for (String[] step : List.of(new String[] {"user", "add", "root:rootpw"}, new String[] {"role", "add", "root"},
                new String[] {"user", "grant-role", "root", "root"}, new String[] {"auth", "enable"})) {
            Etcdctl.Result r = ctl.run(step);
            assertTrue(r.ok(), r.toString());
        }
        watch(browser, "ui/", "canceled: etcdserver: user name is empty");
        putThroughForm(browser, "ui/secure", "no-token");
        await(browser, () -> text(browser, "message"), t -> t.startsWith("put: "));
        assertTrue(text(browser, "message").contains("user name is empty"), text(browser, "message"));
        browser.findElement(By.id("login-user")).sendKeys("root");
        browser.findElement(By.id("login-password")).sendKeys("wrong");
        browser.findElement(By.id("login-button")).click();
        await(browser, () -> text(browser, "message"), t -> t.startsWith("login failed"));
        browser.findElement(By.id("login-password")).clear();
        browser.findElement(By.id("login-password")).sendKeys("rootpw");
        browser.findElement(By.id("login-button")).click();
        await(browser, () -> text(browser, "login-state"), t -> t.equals("logged in as root"));
        watch(browser, "ui/");
        putThroughForm(browser, "ui/secure", "with-token");
        await(browser, () -> text(browser, "message"), t -> t.startsWith("put ui/secure at revision"));
        Etcdctl asRoot = ctl.with("--user", "root:rootpw");
        assertEquals("with-token", asRoot.run("get", "ui/secure", "--print-value-only").stdout().trim());
        await(browser, () -> text(browser, "watch-events"), t -> t.contains("PUT ui/secure = with-token"));
        assertTrue(asRoot.run("put", "ui/secure2", "etcdctl").ok());
        await(browser, () -> text(browser, "watch-events"), t -> t.contains("PUT ui/secure2 = etcdctl"));
        browse(browser, "ui/");
        await(browser, () -> text(browser, "keys-body"), t -> t.contains("ui/secure2"));
    }

    private static WebDriver chromium() throws Exception {
        System.setProperty("SE_AVOID_BROWSER_DOWNLOAD", "true");
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        Path logs = TARGET.resolve("e2e-logs");
        Files.createDirectories(logs);
        Path profile = Files.createTempDirectory(TARGET, "chromium-profile-");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(logs.resolve("chromedriver.log").toFile())
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1280,1400", "--user-data-dir=" + profile);
        return new ChromeDriver(service, options);
    }

    private static void putThroughForm(WebDriver browser, String key, String value) {
        WebElement k = browser.findElement(By.id("put-key"));
        k.clear();
        k.sendKeys(key);
        WebElement v = browser.findElement(By.id("put-value"));
        v.clear();
        v.sendKeys(value);
        ((ChromeDriver) browser).executeScript("document.getElementById('message').textContent = ''");
        browser.findElement(By.id("put-button")).click();
    }

    private static void browse(WebDriver browser, String prefix) {
        WebElement p = browser.findElement(By.id("browse-prefix"));
        p.clear();
        p.sendKeys(prefix);
        ((ChromeDriver) browser).executeScript("document.getElementById('browse-state').textContent = ''");
        browser.findElement(By.id("browse-button")).click();
    }

    private static void watch(WebDriver browser, String prefix) throws Exception {
        watch(browser, prefix, "watching \"" + prefix + "\"");
    }

    /** Stops the running watch, if any, starts one on {@code prefix} and waits for a state starting with {@code state}. */
    private static void watch(WebDriver browser, String prefix, String state) throws Exception {
        WebElement stop = browser.findElement(By.id("watch-stop"));
        if (stop.isEnabled()) {
            stop.click();
            await(browser, () -> text(browser, "watch-state"), t -> t.equals("not watching"));
        }
        WebElement p = browser.findElement(By.id("watch-prefix"));
        p.clear();
        p.sendKeys(prefix);
        browser.findElement(By.id("watch-start")).click();
        await(browser, () -> text(browser, "watch-state"), t -> t.startsWith(state));
    }

    private static void gatewayPut(MemberProcess member, byte[] key, String value) throws Exception {
        Base64.Encoder b64 = Base64.getEncoder();
        gatewayCall(member, "/v3/kv/put", "{\"key\":\"" + b64.encodeToString(key) + "\",\"value\":\""
                + b64.encodeToString(value.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "\"}");
    }

    private static String gatewayCall(MemberProcess member, String path, String body) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(member.clientUrl() + path))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    private static String text(WebDriver browser, String id) {
        return browser.findElement(By.id(id)).getText();
    }

    /** Waits until {@code done} holds for the element text, failing with the text and the page's message if not. */
    private static String await(WebDriver browser, java.util.concurrent.Callable<String> ask, Predicate<String> done)
            throws Exception {
        String last = Poll.until(WAIT, ask, done);
        assertTrue(done.test(last), "waited " + WAIT + "; last: " + last + "; page message: " + text(browser, "message")
                + "; watch: " + text(browser, "watch-state"));
        return last;
    }
}
