package io.vertcd.server.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.Message;
import io.vertcd.raft.pb.MessageType;
import io.vertcd.raft.pb.Snapshot;
import io.vertcd.raft.pb.SnapshotMetadata;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two or three {@link PeerTransport}s on loopback (ports 27000-27099), real sockets and files. */
class PeerTransportTest {
    private static final long CLUSTER = 0x1234_5678_9abcL;
    private static final long A = 0xa1, B = 0xb2, C = 0xc3;
    private static int nextPort = 27000 + new Random().nextInt(50);

    @TempDir
    Path tmp;
    private Vertx vertx;
    private final List<Node> nodes = new ArrayList<>();

    /** One member's transport and what it observed. */
    private final class Node {
        final long id;
        final Context ctx = vertx.getOrCreateContext();
        final BlockingQueue<Message> inbox = new LinkedBlockingQueue<>();
        final BlockingQueue<Long> unreachable = new LinkedBlockingQueue<>();
        final BlockingQueue<String> snapshotReports = new LinkedBlockingQueue<>();
        final BlockingQueue<Path> snapshots = new LinkedBlockingQueue<>();
        final BlockingQueue<Message> snapshotMessages = new LinkedBlockingQueue<>();
        PeerTransport transport;

        Node(long id, long clusterId, Map<Long, URI> peers, PeerTransportOptions opts, SnapshotSource source) {
            this.id = id;
            onCtx(() -> {
                transport = new PeerTransport(vertx, id, clusterId, peers, inbox::add, new PeerListener() {
                    @Override
                    public void reportUnreachable(long memberId) {
                        unreachable.add(memberId);
                    }

                    @Override
                    public void reportSnapshot(long memberId, boolean success) {
                        snapshotReports.add(Long.toHexString(memberId) + ":" + success);
                    }
                }, source, (m, dir) -> {
                    snapshotMessages.add(m);
                    snapshots.add(dir);
                }, tmp.resolve("snap-tmp-" + Long.toHexString(id)), opts);
                return Future.succeededFuture();
            });
            nodes.add(this);
        }

        void listen(URI url) {
            onCtx(() -> transport.start(List.of(url)));
        }

        void send(List<Message> ms) {
            onCtx(() -> {
                transport.send(ms);
                return Future.succeededFuture();
            });
        }

        PeerTransport.PeerStats stats(long peer) {
            return onCtx(() -> Future.succeededFuture(transport.stats(peer)));
        }

        <T> T onCtx(Supplier<Future<T>> action) {
            CompletableFuture<T> f = new CompletableFuture<>();
            ctx.runOnContext(v -> action.get().onComplete(ar -> {
                if (ar.succeeded()) {
                    f.complete(ar.result());
                } else {
                    f.completeExceptionally(ar.cause());
                }
            }));
            try {
                return f.get(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Node n : nodes) {
            n.onCtx(() -> n.transport.close());
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    private static synchronized URI url() {
        return URI.create("http://127.0.0.1:" + (nextPort++));
    }

    private static Message app(long from, long to, long index) {
        return Message.newBuilder().setType(MessageType.MSG_APP).setFrom(from).setTo(to).setTerm(3).setIndex(index)
                .setLogTerm(3).setCommit(index)
                .addEntries(Entry.newBuilder().setTerm(3).setIndex(index + 1)
                        .setData(ByteString.copyFromUtf8("v" + index)))
                .build();
    }

    private static Message take(BlockingQueue<Message> q) throws InterruptedException {
        Message m = q.poll(20, TimeUnit.SECONDS);
        assertTrue(m != null, "message not delivered");
        return m;
    }

    private Map<Long, URI> peers(Map<Long, URI> all, long self) {
        Map<Long, URI> p = new HashMap<>(all);
        p.remove(self);
        return p;
    }

    @Test
    void deliversManyMessagesInOrderToEachPeerInBatches() throws Exception {
        Map<Long, URI> urls = Map.of(A, url(), B, url(), C, url());
        Node a = new Node(A, CLUSTER, peers(urls, A), PeerTransportOptions.defaults(), SnapshotSource.NONE);
        Node b = new Node(B, CLUSTER, peers(urls, B), PeerTransportOptions.defaults(), SnapshotSource.NONE);
        Node c = new Node(C, CLUSTER, peers(urls, C), PeerTransportOptions.defaults(), SnapshotSource.NONE);
        a.listen(urls.get(A));
        b.listen(urls.get(B));
        c.listen(urls.get(C));
        int n = 2000;
        for (int i = 0; i < n; i += 100) {
            List<Message> batch = new ArrayList<>();
            for (int j = i; j < i + 100; j++) {
                batch.add(app(A, B, j));
                batch.add(app(A, C, j));
            }
            a.send(batch);
        }
        for (int i = 0; i < n; i++) {
            assertEquals(app(A, B, i), take(b.inbox));
            assertEquals(app(A, C, i), take(c.inbox));
        }
        long batches = a.stats(B).sentBatches();
        assertTrue(batches < n, "messages were batched: " + batches + " frames for " + n);
        // and the other direction uses its own stream
        c.send(List.of(app(C, A, 7)));
        assertEquals(app(C, A, 7), take(a.inbox));
        assertTrue(a.unreachable.isEmpty());
    }

    @Test
    void deliversLargeBatchesBeyondTheGrpcClientDefaultMessageSize() throws Exception {
        // vertx-grpc's client limits messages to 256 KiB by default; batches go up to maxBatchBytes
        // (1 MiB) and a single message may be larger still. Sent one at a time, the later messages
        // find the call's write queue full and wait in the peer queue: only the drain handler resumes
        // writing them (nothing else is sent afterwards).
        Map<Long, URI> urls = Map.of(A, url(), B, url());
        Node a = new Node(A, CLUSTER, peers(urls, A), PeerTransportOptions.defaults(), SnapshotSource.NONE);
        Node b = new Node(B, CLUSTER, peers(urls, B), PeerTransportOptions.defaults(), SnapshotSource.NONE);
        b.listen(urls.get(B));
        Random rnd = new Random(11);
        List<Message> sent = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            byte[] data = new byte[i == 12 ? 5 << 20 : 300 << 10];
            rnd.nextBytes(data);
            sent.add(app(A, B, i).toBuilder().setEntries(0, Entry.newBuilder().setTerm(3).setIndex(i + 1)
                    .setData(ByteString.copyFrom(data))).build());
        }
        sent.add(app(A, B, 24));
        for (Message m : sent) {
            a.send(List.of(m));
        }
        for (Message m : sent) {
            assertEquals(m, take(b.inbox));
        }
        assertTrue(a.unreachable.isEmpty(), "no stream failure");
        assertEquals(0, a.stats(B).queued());
    }

    @Test
    void refusesABatchFromAnotherCluster() throws Exception {
        Map<Long, URI> urls = Map.of(A, url(), B, url());
        Node b = new Node(B, CLUSTER, peers(urls, B), PeerTransportOptions.defaults(), SnapshotSource.NONE);
        b.listen(urls.get(B));
        Node stranger = new Node(A, CLUSTER + 1, peers(urls, A), PeerTransportOptions.defaults(), SnapshotSource.NONE);
        stranger.send(List.of(app(A, B, 1)));
        assertEquals(B, stranger.unreachable.poll(20, TimeUnit.SECONDS), "refusal reported as unreachable");
        assertTrue(b.inbox.isEmpty(), "nothing from another cluster is delivered");
    }

    @Test
    void queuesWhilePeerIsDownReconnectsAndDropsBeyondTheBound() throws Exception {
        Map<Long, URI> urls = Map.of(A, url(), B, url());
        PeerTransportOptions opts = PeerTransportOptions.defaults().withMaxQueuedMessages(5);
        Node a = new Node(A, CLUSTER, peers(urls, A), opts, SnapshotSource.NONE);
        List<Message> ms = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ms.add(app(A, B, i));
        }
        a.send(ms);
        assertEquals(B, a.unreachable.poll(20, TimeUnit.SECONDS));
        assertEquals(3, a.stats(B).dropped(), "8 sent, 5 fit in the queue");
        assertFalse(a.stats(B).connected());
        // B comes up: the queued five arrive after a reconnection with backoff.
        Node b = new Node(B, CLUSTER, peers(urls, B), opts, SnapshotSource.NONE);
        b.listen(urls.get(B));
        for (int i = 0; i < 5; i++) {
            assertEquals(app(A, B, i), take(b.inbox));
        }
        a.send(List.of(app(A, B, 99)));
        assertEquals(app(A, B, 99), take(b.inbox));
    }

    @Test
    void reconnectsAfterThePeerRestarts() throws Exception {
        Map<Long, URI> urls = Map.of(A, url(), B, url());
        Node a = new Node(A, CLUSTER, peers(urls, A), PeerTransportOptions.defaults(), SnapshotSource.NONE);
        Node b = new Node(B, CLUSTER, peers(urls, B), PeerTransportOptions.defaults(), SnapshotSource.NONE);
        b.listen(urls.get(B));
        a.send(List.of(app(A, B, 1)));
        assertEquals(app(A, B, 1), take(b.inbox));
        b.onCtx(() -> b.transport.close());
        assertEquals(B, a.unreachable.poll(20, TimeUnit.SECONDS), "stream loss reported");
        Node b2 = new Node(B, CLUSTER, peers(urls, B), PeerTransportOptions.defaults(), SnapshotSource.NONE);
        b2.listen(urls.get(B));
        // Raft keeps sending (heartbeats); once the stream is back they arrive.
        Message got = null;
        for (int i = 0; i < 200 && got == null; i++) {
            a.send(List.of(app(A, B, 2)));
            got = b2.inbox.poll(100, TimeUnit.MILLISECONDS);
        }
        assertEquals(app(A, B, 2), got);
    }

    @Test
    void streamsASnapshotInChunksAndHandsOverTheDirectory() throws Exception {
        Path src = tmp.resolve("checkpoint");
        Files.createDirectories(src.resolve("map"));
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(big);
        Files.write(src.resolve("map/revisions.cm3"), big);
        Files.write(src.resolve("marker"), "applied=42".getBytes());
        Files.write(src.resolve("empty"), new byte[0]);
        SnapshotFiles files = new SnapshotFiles(src, List.of("map/revisions.cm3", "marker", "empty"));
        Map<Long, URI> urls = Map.of(A, url(), B, url());
        Node a = new Node(A, CLUSTER, peers(urls, A), PeerTransportOptions.defaults(),
                m -> Future.succeededFuture(files));
        Node b = new Node(B, CLUSTER, peers(urls, B), PeerTransportOptions.defaults(), SnapshotSource.NONE);
        b.listen(urls.get(B));
        Message snap = Message.newBuilder().setType(MessageType.MSG_SNAP).setFrom(A).setTo(B).setTerm(5)
                .setSnapshot(Snapshot.newBuilder().setMetadata(SnapshotMetadata.newBuilder().setIndex(42).setTerm(5)))
                .build();
        a.send(List.of(snap));
        assertEquals("b2:true", a.snapshotReports.poll(30, TimeUnit.SECONDS));
        Path dir = b.snapshots.poll(5, TimeUnit.SECONDS);
        assertEquals(snap, b.snapshotMessages.poll(5, TimeUnit.SECONDS));
        assertArrayEquals(big, Files.readAllBytes(dir.resolve("map/revisions.cm3")));
        assertEquals("applied=42", Files.readString(dir.resolve("marker")));
        assertEquals(0, Files.size(dir.resolve("empty")));
    }

    @Test
    void snapshotToAnotherClusterOrWithoutFilesIsReportedFailed() throws Exception {
        Map<Long, URI> urls = Map.of(A, url(), B, url());
        Path src = tmp.resolve("cp");
        Files.createDirectories(src);
        Files.write(src.resolve("f"), new byte[] {1, 2, 3});
        Node stranger = new Node(A, CLUSTER + 1, peers(urls, A), PeerTransportOptions.defaults(),
                m -> Future.succeededFuture(new SnapshotFiles(src, List.of("f"))));
        Node b = new Node(B, CLUSTER, peers(urls, B), PeerTransportOptions.defaults(), SnapshotSource.NONE);
        b.listen(urls.get(B));
        Message snap = Message.newBuilder().setType(MessageType.MSG_SNAP).setFrom(A).setTo(B).build();
        stranger.send(List.of(snap));
        assertEquals("b2:false", stranger.snapshotReports.poll(30, TimeUnit.SECONDS));
        assertTrue(b.snapshots.isEmpty());
        Node noSource = new Node(C, CLUSTER, Map.of(B, urls.get(B)), PeerTransportOptions.defaults(),
                SnapshotSource.NONE);
        noSource.send(List.of(snap.toBuilder().setFrom(C).build()));
        assertEquals("b2:false", noSource.snapshotReports.poll(30, TimeUnit.SECONDS));
    }
}
