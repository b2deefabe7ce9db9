package io.vertcd.server.http;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The web console on the client port (vertcd's own; etcd has none): static files from the classpath folder
 * {@value #WEB_ROOT} ({@code verticles/src/main/resources/ui/}: {@code index.html}, {@code console.js},
 * {@code console.css}) served at {@value #PATH}{@code /} by vertx-web's {@link StaticHandler}, which reads files on
 * worker threads and keeps them in its cache (at most {@value #MAX_CACHED_FILES} entries), so an event loop never
 * touches the disk. {@value #PATH} redirects to {@value #PATH}{@code /} (302) so the page's relative links resolve.
 * The page talks to the member only through the JSON gateway ({@link Gateway}) and the WebSocket watch
 * ({@link WatchWebSocket}); there is no server-side state. Every answer carries a Content-Security-Policy that allows
 * scripts and styles from this origin only (no inline script), so a stored value that looks like HTML cannot run.
 * Turned off by {@code --web-console=false}: then {@value #PATH} is 404 as any unknown path.
 */
public final class WebConsole {
    /** The console's path on the client port. */
    public static final String PATH = "/ui";
    /** The classpath folder of the console's files. */
    public static final String WEB_ROOT = "ui";
    /** Most files StaticHandler keeps in its cache (the console has three). */
    public static final int MAX_CACHED_FILES = 16;
    /** How long a browser may use a console file without asking again, seconds (short: a new version shows soon). */
    public static final long MAX_AGE_SECONDS = 60;
    /**
     * The console's Content-Security-Policy: its own scripts and styles only; requests to this member and, for their
     * status, to the other members' client URLs (http, https, ws, wss).
     */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self' http: https: ws: wss:; frame-ancestors 'none'; "
            + "base-uri 'none'; form-action 'none'";

    private WebConsole() {
    }

    /** Mounts {@value #PATH} and {@value #PATH}{@code /*} on the client port's router. */
    public static void mount(Router router) {
        StaticHandler files = StaticHandler.create(WEB_ROOT)
                .setCachingEnabled(true)
                .setMaxCacheSize(MAX_CACHED_FILES)
                .setMaxAgeSeconds(MAX_AGE_SECONDS)
                .setDirectoryListing(false)
                .setIndexPage("index.html");
        router.route(PATH + "*").handler(WebConsole::headers);
        router.route(PATH + "/*").handler(files);
    }

    private static void headers(RoutingContext ctx) {
        String path = ctx.request().path();
        if (PATH.equals(path)) {
            ctx.redirect(PATH + "/");
            return;
        }
        if (!path.startsWith(PATH + "/")) {
            ctx.next(); // e.g. /uix: not the console
            return;
        }
        ctx.response().putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Referrer-Policy", "no-referrer");
        ctx.next();
    }
}
