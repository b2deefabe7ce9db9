package io.vertcd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertcd.server.http.WebConsole;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console's files on the client port of an in-process member (ports 29040-29041): {@code /ui} redirects to
 * {@code /ui/}, which is the page with its Content-Security-Policy, the script and style have their types, an unknown
 * file and {@code /uix} are 404; with {@code --web-console=false} {@code /ui/} is 404 and the gateway still answers.
 * The page itself is tested in a browser by the tests module's {@code WebConsoleTest}.
 */
class WebConsoleServingTest {
    private static final int CLIENT_PORT = 29040;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private Vertx vertx;
    private final OneMember m = new OneMember();

    @AfterEach
    void tearDown() throws Exception {
        m.stop();
        if (vertx != null) {
            vertx.close().await(30, TimeUnit.SECONDS);
        }
        assertNull(m.fatal.get());
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + CLIENT_PORT + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesTheConsoleByDefault() throws Exception {
        vertx = Vertx.vertx();
        m.start(vertx, OneMember.config("ui", dir.resolve("ui"), CLIENT_PORT, CLIENT_PORT + 1));
        HttpResponse<String> redirect = get("/ui");
        assertEquals(302, redirect.statusCode());
        assertEquals("/ui/", redirect.headers().firstValue("location").orElse(null));
        HttpResponse<String> page = get("/ui/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<script type=\"module\" src=\"console.js\"></script>"), page.body());
        assertEquals(WebConsole.CONTENT_SECURITY_POLICY, page.headers().firstValue("Content-Security-Policy").orElse(null));
        assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(null));
        HttpResponse<String> script = get("/ui/console.js");
        assertEquals(200, script.statusCode());
        assertTrue(script.headers().firstValue("content-type").orElse("").startsWith("text/javascript"), script.headers().toString());
        assertTrue(get("/ui/console.css").headers().firstValue("content-type").orElse("").startsWith("text/css"));
        assertEquals(404, get("/ui/nope.js").statusCode());
        assertEquals(404, get("/uix").statusCode());
    }

    @Test
    void offWithTheFlag() throws Exception {
        vertx = Vertx.vertx();
        m.start(vertx, OneMember.config("ui", dir.resolve("ui"), CLIENT_PORT, CLIENT_PORT + 1, "--web-console=false"));
        assertEquals(404, get("/ui/").statusCode());
        assertEquals(404, get("/ui").statusCode());
        assertEquals(200, get("/version").statusCode(), "the other HTTP endpoints stay");
    }
}
