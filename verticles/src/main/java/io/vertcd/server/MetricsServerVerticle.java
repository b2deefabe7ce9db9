package io.vertcd.server;

import io.vertcd.server.http.HealthChecks;
import io.vertcd.server.http.HealthEndpoints;
import io.vertcd.server.http.HttpEndpoints;
import io.vertcd.server.http.MetricsEndpoint;
import io.vertcd.server.http.NodeHealth;
import io.vertcd.server.metrics.MemberMetrics;
import io.vertcd.server.node.RaftNode;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.net.URI;
import java.util.List;

/**
 * The {@code --listen-metrics-urls} ports: plain HTTP/1.1 serving {@code /metrics}, {@code /health}, {@code /livez}
 * and {@code /readyz} (etcd embed/etcd.go serveMetrics), e.g. kubeadm's {@code http://127.0.0.1:2381}. One instance.
 */
public final class MetricsServerVerticle extends VerticleBase {
    private final RaftNode node;
    private final List<URI> urls;
    private final MemberMetrics metrics;
    private final HttpListeners listeners = new HttpListeners();

    /**
     * @param node the local member
     * @param urls the addresses to listen on
     * @param metrics the member's registry
     */
    public MetricsServerVerticle(RaftNode node, List<URI> urls, MemberMetrics metrics) {
        this.node = node;
        this.urls = List.copyOf(urls);
        this.metrics = metrics;
    }

    @Override
    public Future<?> start() {
        var router = HttpEndpoints.metricsRouter(vertx, new HealthEndpoints(new HealthChecks(new NodeHealth(node))),
                new MetricsEndpoint(metrics.registry()));
        for (URI url : urls) {
            HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost(url.getHost())
                    .setPort(url.getPort())).requestHandler(router);
            listeners.listen(server);
        }
        return listeners.allListening();
    }

    @Override
    public Future<?> stop() {
        return listeners.close();
    }
}
