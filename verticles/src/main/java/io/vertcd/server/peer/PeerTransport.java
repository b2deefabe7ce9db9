package io.vertcd.server.peer;

import io.vertcd.raft.node.Transport;
import io.vertcd.raft.pb.Message;
import io.vertcd.raft.pb.MessageType;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The multi-member {@link Transport}: Raft messages to each peer over one pipelined gRPC stream per
 * peer ({@link PeerWire}; vertx-grpc client and server), snapshots over a separate streamed POST, and
 * the listening side on {@code --listen-peer-urls}. One HTTP/2 client per URL scheme ({@link PeerClients}: h2c with
 * prior knowledge, or TLS with the peer TLS settings; 1 s connect timeout, one connection per peer) carries both the
 * gRPC calls and the snapshot POSTs.
 *
 * <p>Threads: the transport belongs to the Vert.x context it is created on (the Raft driver's). Call
 * {@link #send}, {@link #addPeer}, {@link #removePeer} and {@link #close} there (calls from elsewhere
 * are moved onto it). {@link PeerListener} and {@link SnapshotReceiver} are called on it. Inbound
 * messages are given to the consumer on the peer server's event loop, which is the same context when
 * {@link #start} is called on it; the consumer must not block.
 *
 * <p>Queues: per peer, at most {@link PeerTransportOptions#maxQueuedMessages()} messages wait; beyond
 * that a message is dropped and the peer reported unreachable (etcd rafthttp/peer.go). A MSG_SNAP is
 * not queued: its files are taken from the {@link SnapshotSource} and streamed, one snapshot per peer
 * at a time (a second one while the first is in flight is reported failed at once, as etcd's
 * snapshot sender does), and the outcome reported through {@link PeerListener#reportSnapshot}.
 *
 * <p>Link health: every {@link #PROBE_INTERVAL_MS} the transport sends each peer a
 * {@link PeerWire#PROBE_PATH} request. A peer whose probe is answered by a member of this cluster
 * within {@link #PROBE_TIMEOUT_MS} is <em>active</em> from the first such answer on; a failed or
 * late probe makes it inactive. {@link #activeForMs(long)} reports how long a peer has been active
 * (etcd's rafthttp Transport.ActiveSince, which the strict reconfiguration checks and etcd's
 * HealthInterval rely on). Probes rather than the Raft streams are used because a follower has no
 * Raft traffic with the other followers.
 */
public final class PeerTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(PeerTransport.class);

    private final Vertx vertx;
    private final Context context;
    private final long localId;
    private final long clusterId;
    private final PeerTransportOptions options;
    private final PeerListener listener;
    private final SnapshotSource snapshotSource;
    private final PeerClients clients;
    private final SnapshotSender snapshotSender;
    private final PeerServer server;
    private final Map<Long, PeerStream> streams = new HashMap<>();
    private final Map<Long, URI> urls = new HashMap<>();
    private final Map<Long, Boolean> snapshotInFlight = new HashMap<>();
    /** How often each peer is probed, ms. */
    public static final long PROBE_INTERVAL_MS = 1000;
    /** A probe not answered within this many ms makes the peer inactive. */
    public static final long PROBE_TIMEOUT_MS = 2000;
    /** Per peer: System.nanoTime() of the first answered probe since the link was last down; absent while down. */
    private final Map<Long, Long> activeSinceNanos = new java.util.concurrent.ConcurrentHashMap<>();
    private final long probeTimer;

    /**
     * @param vertx the Vert.x instance
     * @param localId this member's ID
     * @param clusterId the cluster ID every batch carries and every received batch must carry
     * @param peers the other members' advertised peer URLs (the first URL of each is used), by member ID
     * @param inbound receives every accepted message addressed to {@code localId}
     * @param listener delivery reports (unreachable peers, snapshot outcomes)
     * @param snapshotSource files of the snapshot a MSG_SNAP refers to
     * @param snapshotReceiver takes over received snapshot directories
     * @param snapshotTempDir where received snapshots are written before hand-over (e.g.
     *        {@code member/snap/tmp}); created when missing
     * @param options limits
     */
    public PeerTransport(Vertx vertx, long localId, long clusterId, Map<Long, URI> peers, Consumer<Message> inbound,
                         PeerListener listener, SnapshotSource snapshotSource, SnapshotReceiver snapshotReceiver,
                         Path snapshotTempDir, PeerTransportOptions options) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.localId = localId;
        this.clusterId = clusterId;
        this.options = options;
        this.listener = listener;
        this.snapshotSource = snapshotSource;
        this.clients = new PeerClients(vertx, options.tls());
        this.snapshotSender = new SnapshotSender(vertx, clients, clusterId, options.snapshotChunkBytes());
        SnapshotIntake intake = new SnapshotIntake(vertx, context, clusterId, snapshotTempDir,
                options.maxMessageBytes(), snapshotReceiver);
        this.server = new PeerServer(vertx, localId, clusterId, options.maxMessageBytes(), inbound, intake, options.tls());
        peers.forEach(this::addPeerNow);
        this.probeTimer = vertx.setPeriodic(PROBE_INTERVAL_MS, id -> onContext(this::probeAll));
    }

    /**
     * How long this member's link to a peer has been healthy without interruption (etcd rafthttp
     * Transport.ActiveSince, as a duration). Thread-safe.
     *
     * @param memberId a member ID
     * @return milliseconds since the peer last became reachable, or -1 when it is not reachable now,
     *     not probed yet, or not a peer
     */
    public long activeForMs(long memberId) {
        Long since = activeSinceNanos.get(memberId);
        return since == null ? -1 : (System.nanoTime() - since) / 1_000_000;
    }

    private void probeAll() {
        for (Map.Entry<Long, URI> e : urls.entrySet()) {
            long id = e.getKey();
            URI url = e.getValue();
            clients.http(url).request(new io.vertx.core.http.RequestOptions().setMethod(io.vertx.core.http.HttpMethod.GET)
                            .setHost(url.getHost()).setPort(url.getPort()).setURI(PeerWire.PROBE_PATH)
                            .setTimeout(PROBE_TIMEOUT_MS))
                    .compose(io.vertx.core.http.HttpClientRequest::send)
                    .compose(resp -> resp.end().map(v -> resp.statusCode() == 200
                            && Long.toHexString(clusterId).equals(resp.getHeader(PeerWire.CLUSTER_ID_HEADER))))
                    .onComplete(ar -> onContext(() -> {
                        if (!url.equals(urls.get(id))) {
                            return; // removed or moved meanwhile
                        }
                        if (ar.succeeded() && ar.result()) {
                            activeSinceNanos.putIfAbsent(id, System.nanoTime());
                        } else if (activeSinceNanos.remove(id) != null) {
                            LOG.info("{} -> {}: peer became inactive ({})", Long.toHexString(localId),
                                    Long.toHexString(id), ar.failed() ? ar.cause().toString() : "bad probe answer");
                        }
                    }));
        }
    }

    /**
     * Starts listening. Call on the transport's context.
     *
     * @param listenPeerUrls {@code --listen-peer-urls} (http or https; port 0 binds an ephemeral port)
     * @return the bound ports, in the order of the URLs; fails when a port cannot be bound
     */
    public Future<List<Integer>> start(List<URI> listenPeerUrls) {
        return server.listen(listenPeerUrls);
    }

    /** Queues messages to peers; a MSG_SNAP starts a snapshot stream. Never blocks. */
    @Override
    public void send(List<Message> messages) {
        if (messages.isEmpty()) {
            return;
        }
        if (Vertx.currentContext() != context) {
            List<Message> copy = List.copyOf(messages);
            context.runOnContext(v -> send(copy));
            return;
        }
        for (Message m : messages) {
            if (m.getType() == MessageType.MSG_SNAP) {
                sendSnapshot(m);
                continue;
            }
            PeerStream s = streams.get(m.getTo());
            if (s == null) {
                LOG.debug("dropped {} to unknown member {}", m.getType(), Long.toHexString(m.getTo()));
                continue;
            }
            s.enqueue(m);
        }
    }

    private void sendSnapshot(Message m) {
        long to = m.getTo();
        URI url = urls.get(to);
        if (url == null || snapshotInFlight.containsKey(to)) {
            listener.reportSnapshot(to, false);
            return;
        }
        snapshotInFlight.put(to, Boolean.TRUE);
        snapshotSource.files(m)
                .compose(files -> snapshotSender.send(url, m, files))
                .onComplete(ar -> context.runOnContext(v -> {
                    snapshotInFlight.remove(to);
                    if (ar.failed()) {
                        LOG.warn("snapshot at index {} to {} failed: {}", m.getSnapshot().getMetadata().getIndex(),
                                Long.toHexString(to), ar.cause().toString());
                    }
                    listener.reportSnapshot(to, ar.succeeded());
                }));
    }

    /**
     * Serves {@link PeerWire#MEMBERS_PATH} from {@code source} (an encoded etcd MemberListResponse).
     *
     * @param source called on the peer server's event loop for each request; must not block
     */
    public void setMembersSource(java.util.function.Supplier<byte[]> source) {
        server.setMembersSource(source);
    }

    /**
     * Serves a {@link PeerCall} for the other members; see {@link PeerServer#serve}.
     *
     * @param handler called on the peer server's event loop; must not block
     */
    public <Req extends com.google.protobuf.Message, Resp extends com.google.protobuf.Message> void serve(
            PeerCall<Req, Resp> call, java.util.function.Function<Req, Future<Resp>> handler) {
        server.serve(call, handler);
    }

    /**
     * Makes a {@link PeerCall} to another member. Any thread; completes on the transport's context.
     *
     * @param memberId the member to ask (a current peer)
     * @param timeoutMs how long to wait for the answer, ms (the gRPC deadline)
     * @return its answer; fails with the {@link io.vertcd.statemachine.EtcdException} the member
     *     answered with (its exact etcd message), or with a {@link PeerCallException} when the member
     *     is not a peer, cannot be reached, or answers anything else
     */
    public <Req extends com.google.protobuf.Message, Resp extends com.google.protobuf.Message> Future<Resp> call(
            long memberId, PeerCall<Req, Resp> call, Req request, long timeoutMs) {
        return Future.<URI>future(p -> onContext(() -> p.complete(urls.get(memberId)))).compose(url -> {
            if (url == null) {
                return Future.failedFuture(new PeerCallException(call + ": " + Long.toHexString(memberId)
                        + " is not a peer"));
            }
            return clients.grpc(url).request(io.vertx.core.net.SocketAddress.inetSocketAddress(url.getPort(), url.getHost()),
                            call.clientMethod)
                    .compose(req -> req.timeout(Math.max(1, timeoutMs), java.util.concurrent.TimeUnit.MILLISECONDS)
                            .send(request))
                    .compose(resp -> resp.last().recover(t -> Future.failedFuture(refusal(call, resp, t))))
                    .recover(t -> Future.failedFuture(t instanceof io.vertcd.statemachine.EtcdException
                            || t instanceof PeerCallException ? t : new PeerCallException(call + ": " + t, t)));
        });
    }

    /** @return the etcd error a non-OK answer carries, else a PeerCallException naming the status */
    private static Throwable refusal(PeerCall<?, ?> call, io.vertx.grpc.client.GrpcClientResponse<?, ?> resp,
                                     Throwable cause) {
        if (resp.status() == null || resp.status() == io.vertx.grpc.common.GrpcStatus.OK) {
            return new PeerCallException(call + ": " + cause, cause);
        }
        String message = PeerStream.statusMessage(resp);
        return io.vertcd.statemachine.EtcdError.fromMessage(message)
                .<Throwable>map(io.vertcd.statemachine.EtcdError::exception)
                .orElseGet(() -> new PeerCallException(call + ": " + resp.status() + " " + message, cause));
    }

    /**
     * Adds a peer (membership change applied) or replaces its URL.
     *
     * @param memberId the member ID
     * @param peerUrl its advertised peer URL
     */
    public void addPeer(long memberId, URI peerUrl) {
        onContext(() -> addPeerNow(memberId, peerUrl));
    }

    private void addPeerNow(long memberId, URI peerUrl) {
        if (memberId == localId) {
            return;
        }
        PeerStream old = streams.remove(memberId);
        if (old != null) {
            old.close();
        }
        if (!peerUrl.equals(urls.get(memberId))) {
            activeSinceNanos.remove(memberId);
        }
        urls.put(memberId, peerUrl);
        streams.put(memberId, new PeerStream(vertx, context, clients.grpc(peerUrl), localId, memberId, clusterId, peerUrl.getHost(),
                peerUrl.getPort(), options, listener));
    }

    /** Removes a peer (membership change applied): its queue is dropped and its stream closed. */
    public void removePeer(long memberId) {
        onContext(() -> {
            urls.remove(memberId);
            activeSinceNanos.remove(memberId);
            PeerStream s = streams.remove(memberId);
            if (s != null) {
                s.close();
            }
        });
    }

    /**
     * @param memberId a peer
     * @return delivery counters of that peer's stream, or null when it is not a peer
     */
    public PeerStats stats(long memberId) {
        PeerStream s = streams.get(memberId);
        return s == null ? null : new PeerStats(s.connected(), s.queued(), s.dropped(), s.sentBatches());
    }

    /**
     * Counters of one peer stream, a snapshot taken on the transport's context.
     *
     * @param connected a Send call is open
     * @param queued messages waiting
     * @param dropped messages dropped because the queue was full
     * @param sentBatches MessageBatch frames written
     */
    public record PeerStats(boolean connected, int queued, long dropped, long sentBatches) {
    }

    private void onContext(Runnable r) {
        if (Vertx.currentContext() == context) {
            r.run();
        } else {
            context.runOnContext(v -> r.run());
        }
    }

    /** Closes the streams, the client and the listening servers. */
    public Future<Void> close() {
        return Future.<Void>future(p -> onContext(() -> {
            vertx.cancelTimer(probeTimer);
            urls.clear(); // a probe still in flight then finds its peer gone
            activeSinceNanos.clear();
            streams.values().forEach(PeerStream::close);
            streams.clear();
            p.complete();
        })).compose(v -> server.close()).compose(v -> clients.close());
    }
}
