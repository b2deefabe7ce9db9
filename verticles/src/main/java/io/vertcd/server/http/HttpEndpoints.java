package io.vertcd.server.http;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

/**
 * The HTTP routes of a member (vertx-web): on the client port {@code /health}, {@code /livez}, {@code /readyz} (and
 * their checks), {@code /version} and {@code /metrics}, as etcd's client port; on a {@code --listen-metrics-urls}
 * port the same without {@code /version} (etcd embed/etcd.go serveMetrics: metrics and health only). Anything else
 * is 404. gRPC and the WebSocket watch never reach these routers: the client port dispatches them first.
 */
public final class HttpEndpoints {
    private HttpEndpoints() {
    }

    /** @return the client port's router */
    public static Router clientRouter(Vertx vertx, HealthEndpoints health, MetricsEndpoint metrics) {
        Router router = metricsRouter(vertx, health, metrics);
        VersionEndpoint.mount(router);
        return router;
    }

    /** @return the metrics port's router */
    public static Router metricsRouter(Vertx vertx, HealthEndpoints health, MetricsEndpoint metrics) {
        Router router = Router.router(vertx);
        health.mount(router);
        metrics.mount(router);
        return router;
    }
}
