package io.vertcd.server;

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
import java.util.function.Consumer;
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
                        .map(clientId -> {
                            LOG.info("member {} ({}) serving clients on {}", MemberIds.toHex(node.memberId()),
                                    config.name(), config.listenClientUrls());
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
}
