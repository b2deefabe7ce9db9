package io.vertcd.server.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * {@code GET /health}, {@code /livez}, {@code /readyz} and each named check under the last two, as etcd serves them
 * (server/etcdserver/api/etcdhttp/health.go, etcd 3.6):
 * <ul>
 *   <li>{@code /health[?exclude=NOSPACE][&serializable=true]}: 200 {@code {"health":"true","reason":""}}; 503
 *       {@code {"health":"false","reason":"..."}} and a newline (Go's {@code http.Error}); reasons in
 *       {@link HealthChecks#health};</li>
 *   <li>{@code /livez}, {@code /readyz[?exclude=<check>][&verbose]}: 200 {@code ok\n}, with {@code ?verbose} the
 *       check lines first; 503 with the check lines and an empty line; an excluded name that is not a check is
 *       ignored;</li>
 *   <li>{@code /livez/<check>}, {@code /readyz/<check>}: that check alone.</li>
 * </ul>
 * Any other method: 405 {@code Method Not Allowed} with {@code Allow: GET}. Bodies are {@code text/plain;
 * charset=utf-8}. The checks run on the event loop without blocking (reads hop onto the driver).
 */
public final class HealthEndpoints {
    static final String TEXT = "text/plain; charset=utf-8";

    private final HealthChecks checks;

    /** @param checks the rules */
    public HealthEndpoints(HealthChecks checks) {
        this.checks = Objects.requireNonNull(checks, "checks");
    }

    /** Adds the routes to {@code router}. */
    public void mount(Router router) {
        router.route("/health").handler(this::health);
        mountRegistry(router, "/livez", checks.livez());
        mountRegistry(router, "/readyz", checks.readyz());
    }

    private void mountRegistry(Router router, String root, Map<String, HealthChecks.Check> registry) {
        router.route(root).handler(ctx -> {
            if (getOnly(ctx)) {
                Set<String> excluded = querySet(ctx, "exclude");
                Map<String, HealthChecks.Check> run = new LinkedHashMap<>(registry);
                run.keySet().removeAll(excluded);
                answer(ctx, run);
            }
        });
        registry.forEach((name, check) -> router.route(root + "/" + name).handler(ctx -> {
            if (getOnly(ctx)) {
                answer(ctx, Map.of(name, check));
            }
        }));
    }

    private static void answer(RoutingContext ctx, Map<String, HealthChecks.Check> run) {
        HealthChecks.run(run).onComplete(ar -> {
            HealthChecks.Report r = ar.result();
            if (!r.ok()) {
                plainError(ctx, 503, r.text());
                return;
            }
            String body = (ctx.queryParams().contains("verbose") ? r.text() : "") + "ok\n";
            ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, TEXT).putHeader("X-Content-Type-Options", "nosniff")
                    .end(body);
        });
    }

    private void health(RoutingContext ctx) {
        if (!getOnly(ctx)) {
            return;
        }
        boolean serializable = "true".equals(ctx.queryParams().get("serializable"));
        checks.health(querySet(ctx, "exclude"), serializable).onComplete(ar -> {
            HealthChecks.Health h = ar.result();
            String json = new JsonObject().put("health", String.valueOf(h.healthy())).put("reason", h.reason())
                    .encode();
            if (h.healthy()) {
                ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, TEXT).end(json);
            } else {
                plainError(ctx, 503, json);
            }
        });
    }

    /** @return true for GET; otherwise answers 405 as etcd does and returns false */
    static boolean getOnly(RoutingContext ctx) {
        if (ctx.request().method() == HttpMethod.GET) {
            return true;
        }
        ctx.response().putHeader("Allow", "GET");
        plainError(ctx, 405, "Method Not Allowed");
        return false;
    }

    /** Go's http.Error: the text and a newline, text/plain, nosniff. */
    static void plainError(RoutingContext ctx, int status, String text) {
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, TEXT)
                .putHeader("X-Content-Type-Options", "nosniff").end(text + "\n");
    }

    /** @return the non-empty values of a repeated query parameter (etcd getQuerySet) */
    static Set<String> querySet(RoutingContext ctx, String name) {
        Set<String> out = new LinkedHashSet<>();
        List<String> all = ctx.queryParam(name);
        for (String v : all) {
            if (!v.isEmpty()) {
                out.add(v);
            }
        }
        return out;
    }
}
