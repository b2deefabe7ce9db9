package io.vertcd.server.http;

import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import java.util.Objects;

/**
 * {@code GET /metrics}: the registry's scrape in the Prometheus text format 0.0.4 (what etcd's promhttp answers a
 * plain scrape with). The scrape runs on a worker thread (it walks every meter; the gauges read published values and
 * never wait for the driver), so the event loop only writes the answer.
 */
public final class MetricsEndpoint {
    private final PrometheusMeterRegistry registry;

    /** @param registry the member's registry */
    public MetricsEndpoint(PrometheusMeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** Adds {@code /metrics} to {@code router}. */
    public void mount(Router router) {
        router.route("/metrics").handler(ctx -> {
            if (!HealthEndpoints.getOnly(ctx)) {
                return;
            }
            ctx.vertx().executeBlocking(() -> registry.scrape(TextFormat.CONTENT_TYPE_004), false)
                    .onComplete(ar -> {
                        if (ar.succeeded()) {
                            ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, TextFormat.CONTENT_TYPE_004)
                                    .end(ar.result());
                        } else {
                            ctx.fail(ar.cause());
                        }
                    });
        });
    }
}
