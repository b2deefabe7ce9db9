package io.vertcd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.CompactionResponse;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.WatchCancelRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchProgressRequest;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.vertcd.server.watch.WatchFields;
import io.vertcd.server.watch.WatchSession;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The Watch service over real sockets against an in-process member: gRPC and WebSocket. */
@ExtendWith(VertxExtension.class)
class WatchServiceTest {
    private static final int PORT = 23796;

    @TempDir
    Path dir;

    private VertcdServer server;
    private TestGrpcClient client;
    private final List<TestWatchStream> streams = new ArrayList<>();
    private final OneMember member = new OneMember();

    private void start(Vertx vertx, String... extra) throws Exception {
        List<String> flags = new ArrayList<>(List.of("--max-request-bytes", "4096"));
        flags.addAll(List.of(extra));
        member.start(vertx, OneMember.config("w1", dir.resolve("data"), PORT, 23797, flags.toArray(String[]::new)));
        server = member.server;
        client = member.client;
    }

    @AfterEach
    void tearDown() throws Exception {
        streams.forEach(TestWatchStream::close);
        member.stop();
        assertEquals(null, member.fatal.get());
    }

    private TestWatchStream open(Vertx vertx) throws Exception {
        TestWatchStream s = new TestWatchStream(vertx, PORT);
        streams.add(s);
        return s;
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private long put(String k, String v) throws Exception {
        return client.ok("KV", "Put", PutRequest.newBuilder().setKey(b(k)).setValue(b(v)).build(),
                PutResponse.getDefaultInstance()).getHeader().getRevision();
    }

    private long delete(String k, String end) throws Exception {
        DeleteRangeRequest.Builder r = DeleteRangeRequest.newBuilder().setKey(b(k));
        if (end != null) {
            r.setRangeEnd(b(end));
        }
        return client.ok("KV", "DeleteRange", r.build(), DeleteRangeResponse.getDefaultInstance())
                .getHeader().getRevision();
    }

    private static WatchRequest create(WatchCreateRequest.Builder c) {
        return WatchRequest.newBuilder().setCreateRequest(c).build();
    }

    private static WatchRequest cancel(long id) {
        return WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(id)).build();
    }

    private static WatchRequest progress() {
        return WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build();
    }

    private void assertMemberHeader(ResponseHeader h) {
        assertEquals(server.node().clusterId(), h.getClusterId());
        assertEquals(server.node().memberId(), h.getMemberId());
        assertTrue(h.getRaftTerm() >= 2);
    }

    @Test
    void liveEventsCancelAndProgress(Vertx vertx) throws Exception {
        start(vertx);
        long r0 = put("other", "x");
        TestWatchStream w = open(vertx);
        w.send(create(WatchCreateRequest.newBuilder().setKey(b("foo"))));
        WatchResponse created = w.next();
        assertTrue(created.getCreated());
        assertEquals(0, created.getWatchId());
        assertEquals(r0, created.getHeader().getRevision());
        assertMemberHeader(created.getHeader());

        long r1 = put("foo", "bar");
        put("food", "not watched");
        long r2 = delete("foo", null);
        WatchResponse e1 = w.next();
        assertEquals(r1, e1.getHeader().getRevision());
        assertMemberHeader(e1.getHeader());
        assertEquals(1, e1.getEventsCount());
        assertEquals(Event.EventType.PUT, e1.getEvents(0).getType());
        assertEquals(b("bar"), e1.getEvents(0).getKv().getValue());
        WatchResponse e2 = w.next();
        assertEquals(r2, e2.getHeader().getRevision());
        assertEquals(Event.EventType.DELETE, e2.getEvents(0).getType());

        // etcd: cancelling an unknown ID sends nothing; the progress answer is therefore next
        w.send(cancel(42));
        w.send(progress());
        WatchResponse p = w.next();
        assertEquals(WatchSession.INVALID_WATCH_ID, p.getWatchId());
        assertEquals(r2, p.getHeader().getRevision());
        assertEquals(0, p.getEventsCount());
        assertFalse(p.getCanceled());

        w.send(cancel(0));
        WatchResponse c = w.next();
        assertTrue(c.getCanceled());
        assertEquals(0, c.getWatchId());
        put("foo", "after cancel");
        w.send(progress());
        assertEquals(WatchSession.INVALID_WATCH_ID, w.next().getWatchId(), "no event after the cancel");
    }

    @Test
    void clientChosenAndDuplicateIds(Vertx vertx) throws Exception {
        start(vertx);
        TestWatchStream w = open(vertx);
        w.send(create(WatchFields.withIdAndFragment(WatchCreateRequest.newBuilder().setKey(b("a")).build(), 1, false)
                .toBuilder()));
        assertEquals(1, w.next().getWatchId());
        w.send(create(WatchCreateRequest.newBuilder().setKey(b("b")))); // auto: 0
        assertEquals(0, w.next().getWatchId());
        w.send(create(WatchCreateRequest.newBuilder().setKey(b("c")))); // auto skips 1 (in use)
        assertEquals(2, w.next().getWatchId());
        w.send(create(WatchFields.withIdAndFragment(WatchCreateRequest.newBuilder().setKey(b("d")).build(), 1, false)
                .toBuilder()));
        WatchResponse dup = w.next();
        assertEquals(-1, dup.getWatchId());
        assertTrue(dup.getCreated());
        assertTrue(dup.getCanceled());
        assertEquals(WatchSession.DUPLICATE_ID, dup.getCancelReason());

        long rev = put("a", "1");
        WatchResponse ev = w.next();
        assertEquals(1, ev.getWatchId(), "events carry the client's ID");
        assertEquals(rev, ev.getHeader().getRevision());

        w.send(create(WatchCreateRequest.newBuilder().setKey(b("z")).setRangeEnd(b("a"))));
        WatchResponse empty = w.next();
        assertEquals(-1, empty.getWatchId());
        assertTrue(empty.getCanceled());
        w.send(create(WatchCreateRequest.newBuilder().setKey(b("a")).setStartRevision(-5)));
        WatchResponse negative = w.next();
        assertTrue(negative.getCanceled());
        assertEquals("etcdserver: mvcc: required revision has been compacted", negative.getCancelReason());
    }

    @Test
    void historyPrevKvAndCompaction(Vertx vertx) throws Exception {
        start(vertx);
        long r1 = put("k1", "v1");
        long r2 = put("k1", "v2");
        long r3 = delete("k1", null);
        TestWatchStream w = open(vertx);
        w.send(create(WatchCreateRequest.newBuilder().setKey(b("k")).setRangeEnd(b("l")).setStartRevision(r1)
                .setPrevKv(true)));
        assertTrue(w.next().getCreated());
        List<Event> events = new ArrayList<>();
        while (events.size() < 3) {
            events.addAll(w.next().getEventsList());
        }
        assertEquals(List.of(r1, r2, r3), events.stream().map(e -> e.getKv().getModRevision()).toList());
        assertFalse(events.get(0).hasPrevKv());
        assertEquals(b("v1"), events.get(1).getPrevKv().getValue());
        assertEquals(b("v2"), events.get(2).getPrevKv().getValue());

        client.ok("KV", "Compact", CompactionRequest.newBuilder().setRevision(r3).build(),
                CompactionResponse.getDefaultInstance());
        w.send(create(WatchCreateRequest.newBuilder().setKey(b("k1")).setStartRevision(r1)));
        WatchResponse created = w.next();
        assertTrue(created.getCreated());
        WatchResponse compacted = w.next();
        assertEquals(created.getWatchId(), compacted.getWatchId());
        assertTrue(compacted.getCanceled());
        assertEquals(r3, compacted.getCompactRevision());
    }

    @Test
    void fragmentsLargeResponses(Vertx vertx) throws Exception {
        start(vertx);
        String big = "x".repeat(1500);
        put("f1", big);
        put("f2", big);
        put("f3", big);
        TestWatchStream w = open(vertx);
        w.send(create(WatchFields.withIdAndFragment(WatchCreateRequest.newBuilder().setKey(b("f"))
                .setRangeEnd(b("g")).setPrevKv(true).build(), 0, true).toBuilder()));
        assertTrue(w.next().getCreated());
        long rev = delete("f", "g"); // one revision, three events with 1.5 KB prev_kv each > 4096 bytes
        List<Event> events = new ArrayList<>();
        int parts = 0;
        WatchResponse part;
        do {
            part = w.next();
            parts++;
            assertEquals(rev, part.getHeader().getRevision());
            assertTrue(part.getSerializedSize() < 4096 || part.getEventsCount() == 1);
            events.addAll(part.getEventsList());
        } while (WatchFields.fragment(part));
        assertTrue(parts > 1, "split into fragments");
        assertEquals(List.of(b("f1"), b("f2"), b("f3")), events.stream().map(e -> e.getKv().getKey()).toList());
    }

    @Test
    void periodicProgressNotify(Vertx vertx) throws Exception {
        start(vertx, "--experimental-watch-progress-notify-interval", "200ms");
        long rev = put("p", "1");
        TestWatchStream w = open(vertx);
        w.send(create(WatchCreateRequest.newBuilder().setKey(b("p")).setProgressNotify(true)));
        assertTrue(w.next().getCreated());
        WatchResponse p = w.next();
        assertEquals(0, p.getWatchId());
        assertEquals(0, p.getEventsCount());
        assertEquals(rev, p.getHeader().getRevision());
    }

    @Test
    void burstOfRevisionsArrivesInOrderWithoutGaps(Vertx vertx) throws Exception {
        start(vertx);
        TestWatchStream w = open(vertx);
        w.send(create(WatchCreateRequest.newBuilder().setKey(b("burst"))));
        assertTrue(w.next().getCreated());
        long first = put("burst", "start");
        java.util.concurrent.ExecutorService writers = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<PutResponse>> puts = new ArrayList<>();
            for (int i = 0; i < 400; i++) { // more than a stream buffers (128): the victim path may run
                puts.add(writers.submit(() -> client.ok("KV", "Put",
                        PutRequest.newBuilder().setKey(b("burst")).setValue(b("v")).build(), PutResponse.getDefaultInstance())));
            }
            for (java.util.concurrent.Future<PutResponse> p : puts) {
                p.get(60, TimeUnit.SECONDS);
            }
        } finally {
            writers.shutdownNow();
        }
        long expect = first;
        while (expect < first + 401) {
            for (Event e : w.next().getEventsList()) {
                assertEquals(expect++, e.getKv().getModRevision());
            }
        }
    }

    @Test
    void clientHalfCloseEndsCall(Vertx vertx) throws Exception {
        start(vertx);
        TestWatchStream w = open(vertx);
        w.send(create(WatchCreateRequest.newBuilder().setKey(b("h"))));
        assertTrue(w.next().getCreated());
        w.end();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!w.ended() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(w.ended());
        put("h", "still serving");
    }

    @Test
    void endedOrCancelledCallsReleaseTheirWatchers(Vertx vertx) throws Exception {
        start(vertx);
        TestWatchStream kept = open(vertx);
        TestWatchStream halfClosed = open(vertx);
        TestWatchStream reset = new TestWatchStream(vertx, PORT);
        TestWatchStream dropped = new TestWatchStream(vertx, PORT);
        for (TestWatchStream w : List.of(kept, halfClosed, reset, dropped)) {
            w.send(create(WatchCreateRequest.newBuilder().setKey(b("rel"))));
            w.send(create(WatchCreateRequest.newBuilder().setKey(b("rel2"))));
            assertTrue(w.next().getCreated());
            assertTrue(w.next().getCreated());
        }
        assertEquals(4, server.node().watches().counts().await(20, TimeUnit.SECONDS)[0]);
        assertEquals(8, server.node().watches().counts().await(20, TimeUnit.SECONDS)[1]);
        halfClosed.end();
        reset.close(); // RST_STREAM, as a client that goes away
        dropped.closeConnection(); // the whole connection goes
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long[] c;
        do {
            Thread.sleep(20);
            c = server.node().watches().counts().await(20, TimeUnit.SECONDS);
        } while ((c[0] != 1 || c[1] != 2) && System.nanoTime() < deadline);
        assertEquals(1, c[0], "open sessions");
        assertEquals(2, c[1], "synced watchers");
        long rev = put("rel", "x");
        assertEquals(rev, kept.next().getHeader().getRevision());
    }

    @Test
    void webSocketJson(Vertx vertx) throws Exception {
        start(vertx);
        WebSocketClient wsClient = vertx.createWebSocketClient();
        LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
        Promise<WebSocket> connected = Promise.promise();
        vertx.runOnContext(v -> wsClient.connect(PORT, "127.0.0.1", "/v3/watch").onSuccess(ws -> {
            ws.textMessageHandler(frames::add);
            connected.complete(ws);
        }).onFailure(connected::fail));
        WebSocket ws = connected.future().await(20, TimeUnit.SECONDS);
        String key = Base64.getEncoder().encodeToString("wskey".getBytes());
        ws.writeTextMessage("{\"create_request\": {\"key\": \"" + key + "\", \"watch_id\": \"7\"}}");
        JsonObject created = new JsonObject(frames.poll(20, TimeUnit.SECONDS)).getJsonObject("result");
        assertTrue(created.getBoolean("created"));
        assertEquals("7", created.getString("watch_id"));
        long rev = put("wskey", "hello");
        JsonObject ev = new JsonObject(frames.poll(20, TimeUnit.SECONDS)).getJsonObject("result");
        assertEquals(String.valueOf(rev), ev.getJsonObject("header").getString("revision"));
        assertEquals("7", ev.getString("watch_id"));
        JsonObject kv = ev.getJsonArray("events").getJsonObject(0).getJsonObject("kv");
        assertEquals(key, kv.getString("key"));
        assertEquals(Base64.getEncoder().encodeToString("hello".getBytes()), kv.getString("value"));
        assertEquals(String.valueOf(rev), kv.getString("mod_revision"));

        ws.writeTextMessage("{not json");
        JsonObject err = new JsonObject(frames.poll(20, TimeUnit.SECONDS)).getJsonObject("error");
        assertEquals(3, err.getInteger("grpc_code"));
        ws.writeTextMessage("{\"progress_request\": {}}");
        JsonObject p = new JsonObject(frames.poll(20, TimeUnit.SECONDS)).getJsonObject("result");
        assertEquals("-1", p.getString("watch_id"));
        ws.close().await(20, TimeUnit.SECONDS);
        wsClient.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (server.node().watches().counts().await(20, TimeUnit.SECONDS)[0] != 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, server.node().watches().counts().await(20, TimeUnit.SECONDS)[0], "closing the socket closes the session");
    }
}
