package io.vertcd.server;

import io.vertcd.server.http.HealthChecks;
import io.vertcd.server.http.HealthEndpoints;
import io.vertcd.server.http.HttpEndpoints;
import io.vertcd.server.http.MetricsEndpoint;
import io.vertcd.server.http.NodeHealth;
import io.vertcd.server.metrics.MemberMetrics;
import io.vertcd.server.node.RaftNode;
import io.vertcd.server.tls.ConnectionGuard;
import io.vertcd.server.tls.TlsInfo;
import io.vertcd.server.tls.TlsOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.net.URI;
import java.util.List;

/**
 * The {@code --listen-metrics-urls} ports: HTTP/1.1 (https URLs with the client port's TLS) serving {@code /metrics}, {@code /health}, {@code /livez}
 * and {@code /readyz} (etcd embed/etcd.go serveMetrics), e.g. kubeadm's {@code http://127.0.0.1:2381}. One instance.
 */
public final class MetricsServerVerticle extends VerticleBase {
    private final RaftNode node;
    private final List<URI> urls;
    private final TlsInfo tls;
    private final MemberMetrics metrics;
    private final HttpListeners listeners = new HttpListeners();

    /**
     * @param node the local member
     * @param urls the addresses to listen on
     * @param tls the client port's TLS settings, used by https URLs (etcd serves https metrics URLs with the client
     *     certificate)
     * @param metrics the member's registry
     */
    public MetricsServerVerticle(RaftNode node, List<URI> urls, TlsInfo tls, MemberMetrics metrics) {
        this.node = node;
        this.urls = List.copyOf(urls);
        this.tls = tls;
        this.metrics = metrics;
    }

    @Override
    public Future<?> start() {
        var router = HttpEndpoints.metricsRouter(vertx, new HealthEndpoints(new HealthChecks(new NodeHealth(node))),
                new MetricsEndpoint(metrics.registry()));
        for (URI url : urls) {
            HttpServerOptions options = new HttpServerOptions().setHost(url.getHost()).setPort(url.getPort());
            ConnectionGuard guard = new ConnectionGuard(vertx, tls, false);
            if (TlsOptions.isTls(url)) {
                TlsOptions.server(options, tls);
            }
            HttpServer server = vertx.createHttpServer(options).connectionHandler(guard.connections())
                    .exceptionHandler(ConnectionGuard::logHandshakeFailure)
                    .requestHandler(guard.requests(router));
            listeners.listen(server);
        }
        return listeners.allListening();
    }

    @Override
    public Future<?> stop() {
        return listeners.close();
    }
}
