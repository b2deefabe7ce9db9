package io.vertcd.server;

import static io.vertcd.server.InProcessCluster.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.CompactionResponse;
import io.etcd.jetcd.api.DefragmentRequest;
import io.etcd.jetcd.api.DefragmentResponse;
import io.etcd.jetcd.api.HashKVRequest;
import io.etcd.jetcd.api.HashKVResponse;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceName;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maintenance.Defragment and Status's dbSize on one in-process member (ports 28600-28601). Prints the latency of a
 * put/range load without and during a defragmentation (a measure, not asserted: the machine is shared).
 */
class DefragmentTest {
    private static final ServiceName KV = ServiceName.create("etcdserverpb", "KV");

    @TempDir
    Path dir;

    private Vertx vertx;
    private final OneMember m = new OneMember();

    @AfterEach
    void tearDown() throws Exception {
        m.stop();
        if (vertx != null) {
            vertx.close().await(30, TimeUnit.SECONDS);
        }
        assertNull(m.fatal.get());
    }

    private StatusResponse status() throws Exception {
        return m.client.ok("Maintenance", "Status", StatusRequest.getDefaultInstance(), StatusResponse.getDefaultInstance());
    }

    @Test
    void defragmentGivesCompactedSpaceBackOnlineAndKeepsEveryRevision() throws Exception {
        vertx = Vertx.vertx();
        m.start(vertx, OneMember.config("d", dir.resolve("d"), 28600, 28601));
        assertTrue(status().getDbSize() >= 20480, "never 0: " + status().getDbSize());

        String value = "v".repeat(1000);
        List<Future<?>> puts = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            puts.add(m.client.callAsync(KV, "Put", PutRequest.newBuilder().setKey(b("k" + (i % 100)))
                    .setValue(b(value + i)).build(), PutResponse.getDefaultInstance()));
            if (puts.size() == 64) {
                Future.all(puts).await(60, TimeUnit.SECONDS);
                puts.clear();
            }
        }
        Future.all(puts).await(60, TimeUnit.SECONDS);
        long rev = status().getHeader().getRevision();
        m.client.ok("KV", "Compact", CompactionRequest.newBuilder().setRevision(rev).setPhysical(true).build(),
                CompactionResponse.getDefaultInstance());
        InProcessCluster.await("the store's disk size is measured", () -> {
            try {
                return status().getDbSize() > 20_000_000L;
            } catch (Exception e) {
                return false;
            }
        });
        long marker = m.client.ok("KV", "Put", PutRequest.newBuilder().setKey(b("marker")).setValue(b("1")).build(),
                PutResponse.getDefaultInstance()).getHeader().getRevision();
        StatusResponse before = status();
        long hashBefore = hashKV(marker);

        List<Long> quiet = load(null);
        Promise<Void> defragDone = Promise.promise();
        List<Long> during = load(() -> m.client.call("Maintenance", "Defragment", DefragmentRequest.getDefaultInstance(),
                DefragmentResponse.getDefaultInstance()), defragDone);
        StatusResponse after = status();
        System.out.printf("DEFRAG dbSize %d -> %d bytes, dbSizeInUse %d -> %d%n", before.getDbSize(), after.getDbSize(),
                before.getDbSizeInUse(), after.getDbSizeInUse());
        System.out.printf("DEFRAG latency without defrag: %s%nDEFRAG latency during defrag:  %s%n", summary(quiet),
                summary(during));
        // The load around the defrag keeps writing (how much depends on the machine's speed), so the file after holds
        // those writes too: half is a bound every run met (31.0 MB -> 5.8 MB and 29.8 MB -> 10.6 MB seen).
        assertTrue(after.getDbSize() < before.getDbSize() / 2, "before " + before.getDbSize() + ", after " + after.getDbSize());
        assertEquals(hashBefore, hashKV(marker), "every revision kept");
        RangeResponse r = m.client.ok("KV", "Range", RangeRequest.newBuilder().setKey(b("k99")).build(),
                RangeResponse.getDefaultInstance());
        assertEquals(value + "19999", r.getKvs(0).getValue().toStringUtf8());
    }

    private long hashKV(long rev) throws Exception {
        return m.client.ok("Maintenance", "HashKV", HashKVRequest.newBuilder().setRevision(rev).build(),
                HashKVResponse.getDefaultInstance()).getHash();
    }

    /** A call made once the load runs. */
    @FunctionalInterface
    interface Call {
        TestGrpcClient.Result<?> run() throws Exception;
    }

    private List<Long> load(Call call) throws Exception {
        return load(call, Promise.promise());
    }

    /**
     * 16 closed-loop clients alternating put and range for 3 s (or until {@code call} returned, if later);
     * @return every request's latency, ns
     */
    private List<Long> load(Call call, Promise<Void> callDone) throws Exception {
        List<Long> lat = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        List<Promise<Void>> clients = new ArrayList<>();
        for (int c = 0; c < 16; c++) {
            Promise<Void> p = Promise.promise();
            clients.add(p);
            loop(c, 0, lat, stop, p);
        }
        long start = System.nanoTime();
        if (call != null) {
            TestGrpcClient.Result<?> r = call.run();
            assertEquals(GrpcStatus.OK, r.status(), r.message());
        }
        while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3)) {
            Thread.onSpinWait();
            Thread.yield();
        }
        stop.set(true);
        for (Promise<Void> p : clients) {
            p.future().await(30, TimeUnit.SECONDS);
        }
        callDone.tryComplete();
        return new ArrayList<>(lat);
    }

    private void loop(int client, int i, List<Long> lat, AtomicBoolean stop, Promise<Void> done) {
        if (stop.get()) {
            done.complete();
            return;
        }
        long t = System.nanoTime();
        Future<?> f = i % 2 == 0
                ? m.client.callAsync(KV, "Put", PutRequest.newBuilder().setKey(b("load" + client)).setValue(b("x" + i)).build(),
                        PutResponse.getDefaultInstance())
                : m.client.callAsync(KV, "Range", RangeRequest.newBuilder().setKey(b("k" + (i % 100))).build(),
                        RangeResponse.getDefaultInstance());
        f.onComplete(ar -> {
            lat.add(System.nanoTime() - t);
            loop(client, i + 1, lat, stop, done);
        });
    }

    private static String summary(List<Long> ns) {
        List<Long> s = new ArrayList<>(ns);
        Collections.sort(s);
        if (s.isEmpty()) {
            return "no requests";
        }
        return String.format("%d requests, p50 %.1f ms, p99 %.1f ms, max %.1f ms", s.size(), s.get(s.size() / 2) / 1e6,
                s.get((int) (s.size() * 0.99)) / 1e6, s.get(s.size() - 1) / 1e6);
    }
}
