package io.vertcd.server;

import io.vertcd.server.api.AuthorityNormalizer;
import io.vertcd.server.api.cluster.ClusterService;
import io.vertcd.server.api.concurrency.ElectionService;
import io.vertcd.server.api.GrpcRoutes;
import io.vertcd.server.api.kv.KvService;
import io.vertcd.server.api.lease.LeaseService;
import io.vertcd.server.api.concurrency.LockService;
import io.vertcd.server.api.maintenance.MaintenanceService;
import io.vertcd.server.node.RaftNode;
import io.vertcd.server.node.ResponseHeaders;
import io.vertcd.server.cli.ServerConfig;
import io.vertcd.server.api.watch.WatchService;
import io.vertcd.server.http.HealthChecks;
import io.vertcd.server.http.HealthEndpoints;
import io.vertcd.server.http.HttpEndpoints;
import io.vertcd.server.http.MetricsEndpoint;
import io.vertcd.server.http.NodeHealth;
import io.vertcd.server.http.WatchWebSocket;
import io.vertcd.server.metrics.MemberMetrics;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import java.net.URI;

/**
 * The client-facing gRPC server: HTTP/2 cleartext (h2c with prior knowledge, as etcdctl and
 * clientv3 speak it) on every {@code --listen-client-urls} address, serving etcd's KV, Cluster
 * Maintenance, Lease, Lock and Election services. Deploy one instance per event loop: Vert.x shares each port among the
 * instances and spreads connections over them.
 *
 * <p>On the same port, as etcd's: a request whose content type is {@code application/grpc...} goes to gRPC (counted by
 * {@link io.vertcd.server.metrics.GrpcCallMetrics}); a WebSocket upgrade to the watch; any other request to the HTTP
 * endpoints ({@link HttpEndpoints#clientRouter}: health, version, metrics).
 */
public final class ClientServerVerticle extends VerticleBase {
    /** Extra room above --max-request-bytes for the gRPC envelope, bytes (etcd grpcOverheadBytes). */
    public static final int GRPC_OVERHEAD_BYTES = 512 * 1024;
    /** HTTP/2 streams a client may open at once on one connection. */
    public static final long MAX_CONCURRENT_STREAMS = 10_000;

    private final RaftNode node;
    private final ServerConfig config;
    private final MemberMetrics metrics;
    private final HttpListeners listeners = new HttpListeners();

    /**
     * @param node the local Raft node
     * @param config the member's configuration
     * @param metrics the member's metrics registry and gRPC counters
     */
    public ClientServerVerticle(RaftNode node, ServerConfig config, MemberMetrics metrics) {
        this.node = node;
        this.config = config;
        this.metrics = metrics;
    }

    /** @return true for a gRPC call (content type {@code application/grpc}, {@code application/grpc+proto}, ...) */
    static boolean isGrpc(HttpServerRequest request) {
        String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
        return type != null && type.startsWith("application/grpc");
    }

    @Override
    public Future<?> start() {
        GrpcServer grpc = GrpcServer.server(vertx,
                new GrpcServerOptions().setMaxMessageSize((long) config.maxRequestBytes() + GRPC_OVERHEAD_BYTES));
        GrpcRoutes routes = new GrpcRoutes(grpc, node::leader, node::isLearner);
        KvService kv = new KvService(node.proposals(), node.reads(), node.headers(), config.maxTxnOps());
        kv.register(routes);
        LeaseService leases = new LeaseService(node);
        leases.register(routes);
        new LockService(vertx, node, kv, leases).register(routes);
        new ElectionService(vertx, node, kv, leases).register(routes);
        new ClusterService(node, config).register(routes);
        new MaintenanceService(node).register(routes);
        ResponseHeaders headers = node.headers();
        new WatchService(node::watches, headers, config.maxRequestBytes()).register(routes);
        WatchWebSocket webSocketWatch = new WatchWebSocket(node::watches, headers, config.maxRequestBytes());
        Handler<HttpServerRequest> countedGrpc = metrics.grpc().around(grpc);
        var router = HttpEndpoints.clientRouter(vertx, new HealthEndpoints(new HealthChecks(new NodeHealth(node))),
                new MetricsEndpoint(metrics.registry()));
        for (URI url : config.listenClientUrls()) {
            HttpServer server = vertx.createHttpServer(new HttpServerOptions()
                    .setHost(url.getHost())
                    .setPort(url.getPort())
                    .setHttp2ClearTextEnabled(true)
                    .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(MAX_CONCURRENT_STREAMS)))
                    .connectionHandler(new AuthorityNormalizer())
                    .webSocketHandshakeHandler(webSocketWatch::handshake)
                    .webSocketHandler(webSocketWatch::handle)
                    .requestHandler(request -> {
                        if (isGrpc(request)) {
                            countedGrpc.handle(request);
                        } else {
                            router.handle(request);
                        }
                    });
            listeners.listen(server);
        }
        return listeners.allListening();
    }

    @Override
    public Future<?> stop() {
        return listeners.close();
    }
}
