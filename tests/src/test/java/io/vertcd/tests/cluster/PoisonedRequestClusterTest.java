package io.vertcd.tests.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertcd.tests.Poll;
import io.vertcd.tests.MemberKind;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One client request must not take a 3-member cluster of real vertcd processes down: a txn with 49 txns nested in it
 * (50 levels; once accepted and then undecodable on every member), and a request whose apply throws on every member
 * (the test hook {@code -Dvertcd.test.poisonKey=poison}). Afterwards every member is up, agrees on the data, and
 * restarts cleanly on its data directory.
 */
class PoisonedRequestClusterTest {
    private static final ByteString POISON = ByteString.copyFromUtf8("poison");

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static TxnRequest nested(int levels, String key) {
        TxnRequest t = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestPut(
                PutRequest.newBuilder().setKey(b(key)).setValue(b("deep")))).build();
        for (int i = 1; i < levels; i++) {
            t = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestTxn(t)).build();
        }
        return t;
    }

    private static KVGrpc.KVBlockingStub kv(ManagedChannel ch) {
        return KVGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private static ManagedChannel channel(ClusterProcess.Member m) {
        URI u = URI.create(m.clientUrl());
        return Grpc.newChannelBuilderForAddress(u.getHost(), u.getPort(), InsecureChannelCredentials.create()).build();
    }

    private static List<KeyValue> all(ClusterProcess.Member m) {
        ManagedChannel ch = channel(m);
        try {
            return kv(ch).range(RangeRequest.newBuilder().setKey(b("\0")).setRangeEnd(b("\0")).setSerializable(true)
                    .build()).getKvsList();
        } finally {
            ch.shutdownNow();
        }
    }

    /** Every member is alive and serves the same keys with the same revisions as the leader after a barrier write. */
    private static List<KeyValue> assertAgree(ClusterProcess c) throws Exception {
        int leader = c.awaitLeader(ClusterProcess.READY_TIMEOUT);
        ManagedChannel ch = channel(c.members().get(leader));
        try {
            kv(ch).put(PutRequest.newBuilder().setKey(b("barrier")).setValue(b("x")).build());
        } finally {
            ch.shutdownNow();
        }
        List<KeyValue> expected = all(c.members().get(leader));
        for (ClusterProcess.Member m : c.members()) {
            assertTrue(m.isAlive(), m.name() + " is up; log " + m.logFile());
            List<KeyValue> got = Poll.until(Duration.ofSeconds(20), () -> all(m), expected::equals);
            assertEquals(expected, got, m.name() + " agrees with the leader");
        }
        return expected;
    }

    @Test
    void deepTxnAndPoisonedEntriesLeaveEveryMemberUpAgreeingAndRestartable() throws Exception {
        try (ClusterProcess c = ClusterProcess.start(MemberKind.VERTCD, 3, "poisoned",
                List.of("-Dvertcd.test.poisonKey=poison"))) {
            ManagedChannel ch = channel(c.members().get(0));
            try {
                // (a) 49 txns nested in one: applied on every member. The response nests deeper than grpc-java's
                // default limit of 100, so this client may fail to read it, as it does against etcd 3.4.
                try {
                    kv(ch).txn(nested(50, "deep50"));
                } catch (StatusRuntimeException e) {
                    assertEquals(Status.Code.CANCELLED, e.getStatus().getCode(), "only the client's own decoding");
                }
                // 128 levels are applied as by etcd; 129 are refused as by etcd with the default --max-txn-ops
                try {
                    kv(ch).txn(nested(128, "deep128"));
                } catch (StatusRuntimeException e) {
                    assertEquals(Status.Code.CANCELLED, e.getStatus().getCode(), "only the client's own decoding");
                }
                StatusRuntimeException tooDeep = assertThrows(StatusRuntimeException.class,
                        () -> kv(ch).txn(nested(129, "deep129")));
                assertEquals(Status.Code.INVALID_ARGUMENT, tooDeep.getStatus().getCode());
                assertEquals("etcdserver: too many operations in txn request", tooDeep.getStatus().getDescription());
                StatusRuntimeException unparsable = assertThrows(StatusRuntimeException.class,
                        () -> kv(ch).txn(nested(1000, "deep1000")));
                assertEquals(Status.Code.INTERNAL, unparsable.getStatus().getCode(), unparsable.toString());

                // (b) a put of the poisoned key, alone and after another put in a txn: answered, rolled back
                kv(ch).put(PutRequest.newBuilder().setKey(b("a")).setValue(b("1")).build());
                StatusRuntimeException put = assertThrows(StatusRuntimeException.class,
                        () -> kv(ch).put(PutRequest.newBuilder().setKey(POISON).setValue(b("p")).build()));
                assertEquals(Status.Code.INTERNAL, put.getStatus().getCode());
                assertEquals("vertcd: the request could not be applied", put.getStatus().getDescription());
                StatusRuntimeException txn = assertThrows(StatusRuntimeException.class, () -> kv(ch).txn(
                        TxnRequest.newBuilder()
                                .addSuccess(RequestOp.newBuilder().setRequestPut(
                                        PutRequest.newBuilder().setKey(b("a")).setValue(b("2"))))
                                .addSuccess(RequestOp.newBuilder().setRequestPut(
                                        PutRequest.newBuilder().setKey(POISON).setValue(b("p"))))
                                .build()));
                assertEquals("vertcd: the request could not be applied", txn.getStatus().getDescription());
                kv(ch).put(PutRequest.newBuilder().setKey(b("after")).setValue(b("ok")).build()); // still serving
            } finally {
                ch.shutdownNow();
            }
            List<KeyValue> before = assertAgree(c);
            List<String> keys = before.stream().map(k -> k.getKey().toStringUtf8()).toList();
            assertTrue(keys.containsAll(List.of("a", "after", "deep50", "deep128")), keys.toString());
            assertTrue(!keys.contains("poison") && !keys.contains("deep129"), keys.toString());
            assertEquals("1", before.stream().filter(k -> k.getKey().equals(b("a"))).findFirst().orElseThrow()
                    .getValue().toStringUtf8(), "the failed txn's put of a was rolled back");

            // every member restarts on its data, replaying the poisoned entries from its WAL, one at a time (a
            // restart waits until the member is healthy, which needs a quorum), and agrees again
            for (int i = 0; i < 3; i++) {
                c.stop(i);
                c.restart(i);
            }
            List<KeyValue> after = assertAgree(c);
            assertEquals(before.stream().filter(k -> !k.getKey().equals(b("barrier"))).toList(),
                    after.stream().filter(k -> !k.getKey().equals(b("barrier"))).toList(), "same data after restarts");
        }
    }
}
