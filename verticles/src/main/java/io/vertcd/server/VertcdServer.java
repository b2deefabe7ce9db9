package io.vertcd.server;

import io.vertcd.server.cli.GoDurations;
import io.vertcd.server.cli.MemberIds;
import io.vertcd.server.node.RaftNode;
import io.vertcd.server.cli.ServerConfig;
import io.vertcd.server.cli.Versions;
import io.vertcd.server.metrics.EtcdServerMetrics;
import io.vertcd.server.metrics.MemberMetrics;
import io.vertcd.server.tls.SelfCert;
import io.vertcd.server.tls.TlsOptions;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running vertcd member inside a {@link Vertx}: the {@link RaftNode} driver (an event-loop
 * verticle, which also owns the peer transport of a multi-member cluster) and one
 * {@link ClientServerVerticle} per event loop.
 */
public final class VertcdServer {
    private static final Logger LOG = LoggerFactory.getLogger(VertcdServer.class);

    private final Vertx vertx;
    private final RaftNode node;
    private final String nodeDeployment;
    private final String clientDeployment;

    private VertcdServer(Vertx vertx, RaftNode node, String nodeDeployment, String clientDeployment) {
        this.vertx = vertx;
        this.node = node;
        this.nodeDeployment = nodeDeployment;
        this.clientDeployment = clientDeployment;
    }

    /**
     * Opens the data directory, starts Raft and listens for clients.
     *
     * @param vertx the Vert.x instance to deploy into
     * @param config the member's configuration
     * @param clientInstances how many client server verticles to deploy (normally the number of event loops)
     * @param fatalHandler called after an unrecoverable error of the Raft driver
     * @return completes when clients can connect; fails if the data directory cannot be opened, a port is taken or
     *     an auto-TLS certificate cannot be written (generated first, on a worker thread, into
     *     {@code <data-dir>/fixtures/client} and {@code fixtures/peer})
     */
    public static Future<VertcdServer> start(Vertx vertx, ServerConfig config, int clientInstances,
            Consumer<Throwable> fatalHandler) {
        logStarting(config);
        // Auto TLS generates keys and writes files: a worker thread, never an event loop.
        return vertx.executeBlocking(() -> {
                    ServerConfig resolved = config.withTls(
                            SelfCert.resolve(config.clientTls(), config.clientFixturesDir(), config.listenClientUrls(),
                                    config.selfSignedCertValidityYears(), "client"),
                            SelfCert.resolve(config.peerTls(), config.peerFixturesDir(), config.listenPeerUrls(),
                                    config.selfSignedCertValidityYears(), "peer"));
                    if (usesTls(resolved)) {
                        TlsOptions.preload();
                    }
                    return resolved;
                }, false)
                .compose(resolved -> deploy(vertx, resolved, clientInstances, fatalHandler));
    }

    /** Upper bound on the warm-up handshake, ms. */
    private static final long TLS_WARM_UP_MS = 10_000;

    /**
     * One TLS connection to this member's first https client URL (this member's certificate as the client's, nothing
     * verified), closed at once, before the member says it serves clients: the JVM's first TLS handshake loads and
     * compiles the JDK's and Netty's TLS code, which took over 5 s (etcdctl's default timeout) on a loaded 2-core
     * machine; this way no client's first request pays for it. Its outcome is ignored; it waits at most
     * {@link #TLS_WARM_UP_MS}.
     */
    private static Future<Void> warmUpTls(Vertx vertx, ServerConfig config) {
        java.net.URI url = config.listenClientUrls().stream().filter(TlsOptions::isTls).findFirst().orElse(null);
        if (url == null) {
            return Future.succeededFuture();
        }
        io.vertx.core.http.HttpClientOptions options = new io.vertx.core.http.HttpClientOptions().setSsl(true)
                .setTrustAll(true).setVerifyHost(false).setUseAlpn(true)
                .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2)
                .setConnectTimeout((int) TLS_WARM_UP_MS);
        if (!config.clientTls().empty()) {
            options.setKeyCertOptions(new io.vertx.core.net.PemKeyCertOptions()
                    .setCertPath(config.clientTls().certFile()).setKeyPath(config.clientTls().keyFile()));
        }
        io.vertx.core.http.HttpClientAgent client = vertx.createHttpClient(options);
        String host = "0.0.0.0".equals(url.getHost()) ? "127.0.0.1" : url.getHost();
        io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
        long timer = vertx.setTimer(TLS_WARM_UP_MS, t -> done.tryComplete());
        client.connect(new io.vertx.core.http.HttpConnectOptions().setHost(host).setPort(url.getPort()))
                .compose(conn -> conn.close())
                .onComplete(ar -> {
                    vertx.cancelTimer(timer);
                    if (ar.failed()) {
                        LOG.debug("TLS warm-up connection: {}", ar.cause().toString());
                    }
                    done.tryComplete();
                });
        return done.future().eventually(client::close);
    }

    private static boolean usesTls(ServerConfig c) {
        return java.util.stream.Stream.of(c.listenClientUrls(), c.listenPeerUrls(), c.listenMetricsUrls(),
                c.advertisePeerUrls()).flatMap(java.util.List::stream).anyMatch(TlsOptions::isTls);
    }

    private static Future<VertcdServer> deploy(Vertx vertx, ServerConfig config, int clientInstances,
            Consumer<Throwable> fatalHandler) {
        RaftNode node = new RaftNode(config, fatalHandler);
        return vertx.deployVerticle(node)
                .compose(nodeId -> {
                    MemberMetrics metrics = MemberMetrics.create(node.stats(),
                            EtcdServerMetrics.member(node::memberId, node::leader), Versions.ETCD_SERVER_VERSION,
                            config.quotaBackendBytes(), config.extensiveMetrics());
                    return vertx.deployVerticle(() -> new ClientServerVerticle(node, config, metrics),
                                new DeploymentOptions().setInstances(clientInstances))
                        .compose(clientId -> config.listenMetricsUrls().isEmpty() ? Future.succeededFuture(clientId)
                                : vertx.deployVerticle(new MetricsServerVerticle(node, config.listenMetricsUrls(),
                                        config.clientTls(), metrics)).map(metricsId -> clientId))
                        .recover(e -> vertx.undeploy(nodeId).transform(x -> Future.failedFuture(e)))
                        .compose(clientId -> warmUpTls(vertx, config).map(clientId))
                        .map(clientId -> {
                            LOG.info("member {} ({}) serving clients on {}", MemberIds.toHex(node.memberId()),
                                    config.name(), config.listenClientUrls());
                            node.published().onSuccess(v -> logServing(node, config));
                            return new VertcdServer(vertx, node, nodeId, clientId);
                        });
                });
    }

    /** @return the member's Raft node */
    public RaftNode node() {
        return node;
    }

    /** Stops listening, then stops the Raft node (fails waiting requests, closes the WAL and the store). */
    public Future<Void> stop() {
        return vertx.undeploy(clientDeployment).eventually(() -> vertx.undeploy(nodeDeployment));
    }

    /** etcd embed/etcd.go StartEtcd's first line, with the fields of it that vertcd has. */
    private static void logStarting(ServerConfig config) {
        LOG.atInfo().setMessage("starting an etcd server")
                .addKeyValue("etcd-version", Versions.ETCD_SERVER_VERSION)
                .addKeyValue("vertcd-version", Versions.VERTCD_VERSION)
                .addKeyValue("java-version", System.getProperty("java.version"))
                .addKeyValue("max-cpu-available", Runtime.getRuntime().availableProcessors())
                .addKeyValue("name", config.name())
                .addKeyValue("data-dir", config.dataDir().toString())
                .addKeyValue("member-dir", config.dataDir().resolve("member").toString())
                .addKeyValue("heartbeat-interval", GoDurations.format(config.heartbeatIntervalMs()))
                .addKeyValue("election-timeout", GoDurations.format(config.electionTimeoutMs()))
                .addKeyValue("snapshot-count", config.snapshotCount())
                .addKeyValue("snapshot-catchup-entries", config.snapshotCatchUpEntries())
                .addKeyValue("initial-advertise-peer-urls", strings(config.advertisePeerUrls()))
                .addKeyValue("listen-peer-urls", strings(config.listenPeerUrls()))
                .addKeyValue("advertise-client-urls", strings(config.advertiseClientUrls()))
                .addKeyValue("listen-client-urls", strings(config.listenClientUrls()))
                .addKeyValue("listen-metrics-urls", strings(config.listenMetricsUrls()))
                .addKeyValue("initial-cluster", config.initialCluster().stream()
                        .flatMap(m -> m.peerUrls().stream().map(u -> m.name() + "=" + u)).collect(Collectors.joining(",")))
                .addKeyValue("initial-cluster-state", config.joinExisting() ? "existing" : "new")
                .addKeyValue("initial-cluster-token", config.clusterToken())
                .addKeyValue("quota-size-bytes", config.quotaBackendBytes())
                .addKeyValue("max-request-bytes", config.maxRequestBytes())
                .addKeyValue("pre-vote", true)
                .log();
    }

    /**
     * etcd's lines of a member that serves clients, which tools (etcd's e2e harness among them) wait for: its
     * attributes went through Raft (server.go publish), its capabilities are on (api/capability.go), its client
     * listeners serve (embed/serve.go; plain HTTP/2 only, for now). Logged once both hold: the attributes are applied
     * and the client port is bound.
     */
    private static void logServing(RaftNode node, ServerConfig config) {
        String self = MemberIds.toHex(node.memberId());
        LOG.atInfo().setMessage("published local member to cluster through raft")
                .addKeyValue("local-member-id", self)
                .addKeyValue("local-member-attributes", "{Name:" + config.name() + " ClientURLs:["
                        + String.join(" ", strings(config.advertiseClientUrls())) + "]}")
                .addKeyValue("request-path", "/0/members/" + self + "/attributes")
                .addKeyValue("cluster-id", MemberIds.toHex(node.clusterId()))
                .log();
        LOG.atInfo().setMessage("enabled capabilities for version")
                .addKeyValue("cluster-version", Versions.clusterMinorVersion()).log();
        LOG.info("ready to serve client requests");
        for (URI url : config.listenClientUrls()) {
            LOG.atInfo().setMessage("serving client traffic insecurely; this is strongly discouraged!")
                    .addKeyValue("address", url.getHost() + ":" + url.getPort()).log();
        }
    }

    private static List<String> strings(List<URI> urls) {
        return urls.stream().map(URI::toString).toList();
    }
}
