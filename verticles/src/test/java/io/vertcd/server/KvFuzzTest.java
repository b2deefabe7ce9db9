package io.vertcd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.CompactionResponse;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.vertx.core.buffer.Buffer;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random and mutated KV requests (Range, Put, DeleteRange, Txn with random nesting up to past the limit, sizes,
 * ranges, revisions, Compact, and requests whose bytes are flipped or cut) against a 3-member in-process cluster on
 * ports 28400-28405. After every batch: every member is alive (no driver failure), answers Status with the agreed
 * leader, and serves the same keys with the same revisions (a full serializable range; HashKV is not implemented).
 * Every request must be answered, whatever the status.
 *
 * <p>10 batches of 30 requests per build (a few seconds); {@code -Dvertcd.fuzz.repeat=N} runs N batches per try.
 */
class KvFuzzTest {
    private static final int SIZE = 3;
    private static final int REPEAT = Integer.getInteger("vertcd.fuzz.repeat", 1);
    private static Path dir;
    private static InProcessCluster c;

    @BeforeContainer
    static void start() throws Exception {
        dir = Files.createTempDirectory("kv-fuzz");
        c = new InProcessCluster(dir, 28400, SIZE, SIZE, "kv-fuzz");
        for (int i = 0; i < SIZE; i++) {
            c.start(i);
        }
        c.awaitAgreedLeader();
    }

    @AfterContainer
    static void stop() throws Exception {
        c.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        assertEquals(Map.of(), c.fatal, "no member's Raft driver failed");
    }

    /** One request: where it goes, and either a message or raw (mutated) bytes. */
    record Call(int member, String method, Message request, byte[] raw) {
        @Override
        public String toString() {
            return "m" + member + " " + method + (raw != null ? " raw " + raw.length + " bytes" : " " + request);
        }
    }

    @Property(tries = 10)
    void everyMemberStaysUpAndAgreesAfterEachBatch(@ForAll("batches") List<Call> batch) throws Exception {
        runBatch(batch);
        for (int r = 1; r < REPEAT; r++) {
            runBatch(batches().sample());
        }
    }

    private void runBatch(List<Call> batch) throws Exception {
        for (Call call : batch) {
            TestGrpcClient client = c.client(call.member());
            if (call.raw() != null) {
                var r = client.callRaw("KV", call.method(), Buffer.buffer(call.raw()));
                assertNotNull(r.status(), () -> "answered: " + call);
            } else {
                var r = client.call("KV", call.method(), call.request(), prototype(call.method()));
                assertNotNull(r.status(), () -> "answered: " + call);
                assertNotEquals(GrpcStatus.UNKNOWN, r.status(), () -> "no server bug: " + call + ": " + r.message());
            }
        }
        assertEquals(Map.of(), c.fatal, "no member's Raft driver failed");
        int leader = c.awaitAgreedLeader();
        for (int i = 0; i < SIZE; i++) {
            StatusResponse st = c.client(i).ok("Maintenance", "Status", StatusRequest.getDefaultInstance(),
                    StatusResponse.getDefaultInstance());
            assertEquals(c.server(leader).node().memberId(), st.getLeader());
        }
        // a linearizable write through the leader, then every member must show the same keys and revisions
        c.put(leader, "fuzz-barrier", "x");
        List<KeyValue> expected = all(leader);
        for (int i = 0; i < SIZE; i++) {
            int m = i;
            InProcessCluster.await("member " + m + " agrees with the leader", () -> {
                try {
                    return all(m).equals(expected);
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    private static List<KeyValue> all(int member) throws Exception {
        return c.client(member).ok("KV", "Range", RangeRequest.newBuilder().setKey(b("\0")).setRangeEnd(b("\0"))
                .setSerializable(true).build(), RangeResponse.getDefaultInstance()).getKvsList();
    }

    private static Message prototype(String method) {
        return switch (method) {
            case "Range" -> RangeResponse.getDefaultInstance();
            case "Put" -> PutResponse.getDefaultInstance();
            case "DeleteRange" -> DeleteRangeResponse.getDefaultInstance();
            case "Txn" -> TxnResponse.getDefaultInstance();
            default -> CompactionResponse.getDefaultInstance();
        };
    }

    @Provide
    Arbitrary<List<Call>> batches() {
        return Arbitraries.longs().map(seed -> {
            Random rnd = new Random(seed);
            List<Call> calls = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                calls.add(call(rnd));
            }
            return calls;
        });
    }

    private static Call call(Random rnd) {
        int member = rnd.nextInt(SIZE);
        int kind = rnd.nextInt(100);
        Message m;
        String method;
        if (kind < 25) {
            method = "Put";
            m = put(rnd);
        } else if (kind < 45) {
            method = "Range";
            m = range(rnd);
        } else if (kind < 55) {
            method = "DeleteRange";
            m = delete(rnd);
        } else if (kind < 90) {
            method = "Txn";
            m = txn(rnd, rnd.nextInt(6) == 0 ? 40 + rnd.nextInt(100) : 1 + rnd.nextInt(6));
        } else {
            method = "Compact";
            m = CompactionRequest.newBuilder().setRevision(rnd.nextInt(60) - 2).setPhysical(rnd.nextBoolean()).build();
        }
        if (rnd.nextInt(8) == 0) {
            return new Call(member, method, null, mutate(rnd, m.toByteArray()));
        }
        return new Call(member, method, m, null);
    }

    /** Flips, cuts or appends bytes of a serialized request. */
    private static byte[] mutate(Random rnd, byte[] b) {
        byte[] out = b.length == 0 ? new byte[] {(byte) rnd.nextInt(256)} : b.clone();
        switch (rnd.nextInt(3)) {
            case 0 -> {
                for (int i = 0; i < 1 + rnd.nextInt(3); i++) {
                    out[rnd.nextInt(out.length)] = (byte) rnd.nextInt(256);
                }
            }
            case 1 -> out = java.util.Arrays.copyOf(out, rnd.nextInt(out.length + 1));
            default -> {
                byte[] extra = new byte[1 + rnd.nextInt(8)];
                rnd.nextBytes(extra);
                byte[] joined = java.util.Arrays.copyOf(out, out.length + extra.length);
                System.arraycopy(extra, 0, joined, out.length, extra.length);
                out = joined;
            }
        }
        return out;
    }

    private static ByteString key(Random rnd) {
        return switch (rnd.nextInt(12)) {
            case 0 -> ByteString.EMPTY;
            case 1 -> ByteString.copyFrom(new byte[] {0});
            case 2 -> ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) rnd.nextInt(256)});
            default -> b("k" + rnd.nextInt(12));
        };
    }

    private static ByteString end(Random rnd, ByteString key) {
        return switch (rnd.nextInt(5)) {
            case 0 -> ByteString.copyFrom(new byte[] {0});
            case 1 -> key.concat(b("\u007f"));
            case 2 -> key(rnd);
            default -> ByteString.EMPTY;
        };
    }

    private static ByteString value(Random rnd) {
        int n = rnd.nextInt(20) == 0 ? rnd.nextInt(64 * 1024) : rnd.nextInt(64);
        byte[] v = new byte[n];
        rnd.nextBytes(v);
        return ByteString.copyFrom(v);
    }

    private static PutRequest put(Random rnd) {
        return PutRequest.newBuilder().setKey(key(rnd)).setValue(rnd.nextInt(10) == 0 ? ByteString.EMPTY : value(rnd))
                .setLease(rnd.nextInt(15) == 0 ? rnd.nextInt(5) : 0).setPrevKv(rnd.nextBoolean())
                .setIgnoreValue(rnd.nextInt(10) == 0).setIgnoreLease(rnd.nextInt(10) == 0).build();
    }

    private static RangeRequest range(Random rnd) {
        ByteString k = key(rnd);
        return RangeRequest.newBuilder().setKey(k).setRangeEnd(end(rnd, k)).setRevision(rnd.nextInt(70) - 3)
                .setLimit(rnd.nextInt(4) == 0 ? rnd.nextInt(5) - 1 : 0).setSerializable(rnd.nextBoolean())
                .setKeysOnly(rnd.nextInt(4) == 0).setCountOnly(rnd.nextInt(6) == 0)
                .setSortOrderValue(rnd.nextInt(3)).setSortTargetValue(rnd.nextInt(5))
                .setMinModRevision(rnd.nextInt(8) == 0 ? rnd.nextInt(40) : 0).build();
    }

    private static DeleteRangeRequest delete(Random rnd) {
        ByteString k = key(rnd);
        return DeleteRangeRequest.newBuilder().setKey(k).setRangeEnd(end(rnd, k)).setPrevKv(rnd.nextBoolean()).build();
    }

    /** A txn nesting about {@code depth} levels along its first op, with random compares and ops around it. */
    private static TxnRequest txn(Random rnd, int depth) {
        TxnRequest.Builder t = TxnRequest.newBuilder();
        boolean deep = depth > 6; // a deep txn keeps to valid compares and ends in a put, so that it reaches Raft
        for (int i = rnd.nextInt(deep ? 2 : 3); i > 0; i--) {
            Compare.Builder cmp = Compare.newBuilder().setKey(deep ? b("k" + rnd.nextInt(12)) : key(rnd))
                    .setResultValue(rnd.nextInt(4))
                    .setTargetValue(rnd.nextInt(5))
                    .setRangeEnd(rnd.nextInt(4) == 0 ? end(rnd, ByteString.EMPTY) : ByteString.EMPTY);
            switch (rnd.nextInt(4)) { // target_union
                case 0 -> cmp.setVersion(rnd.nextInt(4));
                case 1 -> cmp.setCreateRevision(rnd.nextInt(30));
                case 2 -> cmp.setModRevision(rnd.nextInt(30));
                default -> cmp.setValue(value(rnd));
            }
            t.addCompare(cmp);
        }
        if (depth > 1) {
            (rnd.nextBoolean() ? t.addSuccessBuilder() : t.addFailureBuilder()).setRequestTxn(txn(rnd, depth - 1));
        } else {
            (rnd.nextBoolean() ? t.addSuccessBuilder() : t.addFailureBuilder()).setRequestPut(
                    PutRequest.newBuilder().setKey(b("deep" + rnd.nextInt(5))).setValue(value(rnd)));
        }
        for (int i = depth > 6 ? 0 : rnd.nextInt(3); i > 0; i--) {
            RequestOp.Builder op = rnd.nextBoolean() ? t.addSuccessBuilder() : t.addFailureBuilder();
            switch (rnd.nextInt(7)) {
                case 0, 1 -> op.setRequestPut(put(rnd));
                case 2, 3 -> op.setRequestRange(range(rnd));
                case 4, 5 -> op.setRequestDeleteRange(delete(rnd));
                default -> { } // an empty op: KEY_NOT_FOUND, as in etcd
            }
        }
        return t.build();
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }
}
