package io.vertcd.server;

import io.vertcd.server.api.AuthorityNormalizer;
import io.vertcd.server.api.auth.AuthService;
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
import io.vertcd.server.http.Gateway;
import io.vertcd.server.http.HealthChecks;
import io.vertcd.server.http.HealthEndpoints;
import io.vertcd.server.http.HttpEndpoints;
import io.vertcd.server.http.MetricsEndpoint;
import io.vertcd.server.http.NodeHealth;
import io.vertcd.server.http.WatchWebSocket;
import io.vertcd.server.http.WebConsole;
import io.vertcd.server.metrics.MemberMetrics;
import io.vertcd.server.tls.ConnectionGuard;
import io.vertcd.server.tls.TlsOptions;

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
import java.util.concurrent.TimeUnit;

/**
 * The client-facing gRPC server: HTTP/2 cleartext (h2c with prior knowledge, as etcdctl and
 * clientv3 speak it) on every http {@code --listen-client-urls} address, HTTP/2 over TLS (ALPN h2; the client
 * port's {@link io.vertcd.server.tls.TlsInfo}, client certificates checked at the handshake and by a
 * {@link ConnectionGuard}) on every https one, serving etcd's KV, Cluster
 * Maintenance, Lease, Lock and Election services. Deploy one instance per event loop: Vert.x shares each port among the
 * instances and spreads connections over them.
 *
 * <p>On the same port, as etcd's: a request whose content type is {@code application/grpc...} goes to gRPC (counted by
 * {@link io.vertcd.server.metrics.GrpcCallMetrics}); a WebSocket upgrade to the watch; any other request to the HTTP
 * endpoints ({@link HttpEndpoints#clientRouter}: health, version, metrics), the JSON gateway ({@link Gateway}, which
 * calls the handlers the gRPC routes registered) and, unless {@code --web-console=false}, the web console's static
 * files at {@code /ui/} ({@link WebConsole}).
 */
public final class ClientServerVerticle extends VerticleBase {
    /** Extra room above --max-request-bytes for the gRPC envelope, bytes (etcd grpcOverheadBytes). */
    public static final int GRPC_OVERHEAD_BYTES = 512 * 1024;
    /**
     * HTTP/2 streams a client may open at once on one connection (SETTINGS_MAX_CONCURRENT_STREAMS):
     * etcd 3.4's {@code --max-concurrent-streams} default, math.MaxUint32 (embed/config.go
     * DefaultMaxConcurrentStreams), i.e. no limit. A lower cap stalls a client that keeps one long-lived
     * stream per watch on one connection: with the cap reached its next call (a put) waits for a stream
     * to end. The streams are bounded by what the client opens, as with etcd; each costs the server a
     * session and a {@code WatchOutbox} of at most 128 responses.
     */
    public static final long MAX_CONCURRENT_STREAMS = 0xFFFF_FFFFL;
    /**
     * RST_STREAM frames a client may send on one connection per {@link #RST_FLOOD_WINDOW_SECONDS} before the
     * connection is closed with GOAWAY ENHANCE_YOUR_CALM (Vert.x's rapid-reset guard, Netty
     * Http2MaxRstFrameDecoder). Vert.x's default, 200 per 30 s, closes the connection of a client that
     * cancels its watches at once (a watch is cancelled by resetting its stream); etcd 3.4 (grpc-go 1.26)
     * has no such limit. 100,000 per 30 s lets a client cancel 10,000 watch streams ten times over while
     * keeping a reset flood to the server's own request rate.
     */
    public static final int RST_FLOOD_MAX_FRAMES = 100_000;
    /** The window of {@link #RST_FLOOD_MAX_FRAMES}, seconds (Vert.x's default). */
    public static final int RST_FLOOD_WINDOW_SECONDS = 30;

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
        KvService kv = new KvService(node.proposals(), node.reads(), node.headers(), config.maxTxnOps(), node.authenticator());
        kv.register(routes);
        new AuthService(vertx, node.proposals(), node.headers(), node.authenticator()).register(routes);
        LeaseService leases = new LeaseService(node);
        leases.register(routes);
        new LockService(vertx, node, kv, leases).register(routes);
        new ElectionService(vertx, node, kv, leases).register(routes);
        new ClusterService(node, config).register(routes);
        new MaintenanceService(node).register(routes);
        ResponseHeaders headers = node.headers();
        new WatchService(node::watches, headers, config.maxRequestBytes(), node.authenticator()).register(routes);
        WatchWebSocket webSocketWatch = new WatchWebSocket(node::watches, headers, config.maxRequestBytes(), node.authenticator());
        ReadyGate gate = new ReadyGate(node::isPublished, node.published());
        Handler<HttpServerRequest> countedGrpc = metrics.grpc().around(grpc);
        var router = HttpEndpoints.clientRouter(vertx, new HealthEndpoints(new HealthChecks(new NodeHealth(node))),
                new MetricsEndpoint(metrics.registry()));
        ConnectionGuard guard = new ConnectionGuard(vertx, config.clientTls(), false);
        AuthorityNormalizer authority = new AuthorityNormalizer();
        new Gateway(routes.methods(), config.maxRequestBytes() + GRPC_OVERHEAD_BYTES).mount(router);
        if (config.webConsole()) {
            WebConsole.mount(router);
        }
        for (URI url : config.listenClientUrls()) {
            HttpServerOptions options = new HttpServerOptions()
                    .setHost(url.getHost())
                    .setPort(url.getPort())
                    .setHttp2ClearTextEnabled(true)
                    .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(config.maxConcurrentStreams()))
                    .setHttp2RstFloodMaxRstFramePerWindow(RST_FLOOD_MAX_FRAMES)
                    .setHttp2RstFloodWindowDuration(RST_FLOOD_WINDOW_SECONDS)
                    .setHttp2RstFloodWindowDurationTimeUnit(TimeUnit.SECONDS);
            if (TlsOptions.isTls(url)) {
                TlsOptions.server(options, config.clientTls());
            }
            HttpServer server = vertx.createHttpServer(options)
                    .connectionHandler(connection -> {
                        authority.handle(connection);
                        guard.connections().handle(connection);
                    })
                    .exceptionHandler(ConnectionGuard::logHandshakeFailure)
                    .webSocketHandshakeHandler(gate.handshakes(webSocketWatch::handshake))
                    .webSocketHandler(webSocketWatch::handle)
                    .requestHandler(guard.requests(gate.requests(request -> {
                        if (isGrpc(request)) {
                            countedGrpc.handle(request);
                        } else {
                            router.handle(request);
                        }
                    })));
            listeners.listen(server);
        }
        return listeners.allListening();
    }

    @Override
    public Future<?> stop() {
        return listeners.close();
    }
}
