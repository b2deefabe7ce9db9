package io.vertcd.server;

import io.vertcd.server.cli.ConfigException;
import io.vertcd.server.cli.MemberIds;
import io.vertcd.server.cli.ServerConfig;
import io.vertcd.server.cli.Versions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmResponse;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.CompactionResponse;
import io.etcd.jetcd.api.DefragmentRequest;
import io.etcd.jetcd.api.DefragmentResponse;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberListResponse;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A real member in process: real WAL and store files in a temp dir, real gRPC over a socket. */
@ExtendWith(VertxExtension.class)
class ServerTest {
    private static final int PORT = 23792;

    @TempDir
    Path dir;

    private VertcdServer server;
    private TestGrpcClient client;
    private final OneMember member = new OneMember();

    private ServerConfig config(String... extra) throws ConfigException {
        List<String> flags = new ArrayList<>(List.of("--max-txn-ops", "4", "--max-request-bytes", "4096",
                "--snapshot-count", "5"));
        flags.addAll(List.of(extra));
        return OneMember.config("t1", dir.resolve("data"), PORT, 23793, flags.toArray(String[]::new));
    }

    private void start(Vertx vertx, String... extraFlags) throws Exception {
        member.start(vertx, config(extraFlags));
        server = member.server;
        client = member.client;
    }

    private void stop() throws Exception {
        member.stop();
        server = null;
    }

    @AfterEach
    void tearDown() throws Exception {
        member.stop();
        assertEquals(null, member.fatal.get());
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private PutResponse put(String k, String v) throws Exception {
        return client.ok("KV", "Put", PutRequest.newBuilder().setKey(b(k)).setValue(b(v)).build(),
                PutResponse.getDefaultInstance());
    }

    private RangeResponse get(String k, boolean serializable) throws Exception {
        return client.ok("KV", "Range", RangeRequest.newBuilder().setKey(b(k)).setSerializable(serializable).build(),
                RangeResponse.getDefaultInstance());
    }

    private void assertHeader(ResponseHeader h, long revision) {
        assertEquals(server.node().clusterId(), h.getClusterId());
        assertEquals(server.node().memberId(), h.getMemberId());
        assertEquals(revision, h.getRevision());
        assertTrue(h.getRaftTerm() >= 2, "a member is leader from term 2 on");
    }

    @Test
    void putRangeDeleteTxnCompactOverGrpc(Vertx vertx) throws Exception {
        start(vertx);
        assertHeader(put("foo", "bar").getHeader(), 2);

        RangeResponse r = get("foo", false);
        assertHeader(r.getHeader(), 2);
        assertEquals(1, r.getCount());
        assertEquals("bar", r.getKvs(0).getValue().toStringUtf8());
        assertEquals(2, r.getKvs(0).getCreateRevision());
        assertEquals(1, r.getKvs(0).getVersion());
        assertEquals("bar", get("foo", true).getKvs(0).getValue().toStringUtf8());

        TxnResponse txn = client.ok("KV", "Txn", TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(b("foo")).setTarget(Compare.CompareTarget.VALUE)
                        .setResult(Compare.CompareResult.EQUAL).setValue(b("bar")))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("foo")).setValue(b("baz"))))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("other")).setValue(b("1"))))
                .build(), TxnResponse.getDefaultInstance());
        assertTrue(txn.getSucceeded());
        assertHeader(txn.getHeader(), 3);
        assertEquals("baz", get("foo", false).getKvs(0).getValue().toStringUtf8());

        TxnResponse readOnly = client.ok("KV", "Txn", TxnRequest.newBuilder()
                .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(b("other"))))
                .build(), TxnResponse.getDefaultInstance());
        assertHeader(readOnly.getHeader(), 3);
        assertEquals("1", readOnly.getResponses(0).getResponseRange().getKvs(0).getValue().toStringUtf8());

        DeleteRangeResponse del = client.ok("KV", "DeleteRange",
                DeleteRangeRequest.newBuilder().setKey(b("other")).build(), DeleteRangeResponse.getDefaultInstance());
        assertEquals(1, del.getDeleted());
        assertHeader(del.getHeader(), 4);

        CompactionResponse compact = client.ok("KV", "Compact", CompactionRequest.newBuilder().setRevision(3).build(),
                CompactionResponse.getDefaultInstance());
        assertHeader(compact.getHeader(), 4);
        var again = client.call("KV", "Compact", CompactionRequest.newBuilder().setRevision(3).build(),
                CompactionResponse.getDefaultInstance());
        assertEquals(GrpcStatus.OUT_OF_RANGE, again.status());
        assertEquals("etcdserver: mvcc: required revision has been compacted", again.message());
        var future = client.call("KV", "Range", RangeRequest.newBuilder().setKey(b("foo")).setRevision(99).build(),
                RangeResponse.getDefaultInstance());
        assertEquals(GrpcStatus.OUT_OF_RANGE, future.status());
        assertEquals("etcdserver: mvcc: required revision is a future revision", future.message());
    }

    @Test
    void clientErrorsCarryEtcdsCodesAndMessages(Vertx vertx) throws Exception {
        start(vertx);
        var empty = client.call("KV", "Range", RangeRequest.getDefaultInstance(), RangeResponse.getDefaultInstance());
        assertEquals(GrpcStatus.INVALID_ARGUMENT, empty.status());
        assertEquals("etcdserver: key is not provided", empty.message());

        var tooLarge = client.call("KV", "Put", PutRequest.newBuilder().setKey(b("k"))
                .setValue(ByteString.copyFrom(new byte[5000])).build(), PutResponse.getDefaultInstance());
        assertEquals(GrpcStatus.INVALID_ARGUMENT, tooLarge.status());
        assertEquals("etcdserver: request is too large", tooLarge.message());

        TxnRequest.Builder many = TxnRequest.newBuilder();
        for (int i = 0; i < 5; i++) {
            many.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("k" + i))));
        }
        var tooMany = client.call("KV", "Txn", many.build(), TxnResponse.getDefaultInstance());
        assertEquals(GrpcStatus.INVALID_ARGUMENT, tooMany.status());
        assertEquals("etcdserver: too many operations in txn request", tooMany.message());

        // A method etcd 3.4 does not have (3.5's Maintenance.Downgrade).
        var unimplemented = client.call("Maintenance", "Downgrade", DefragmentRequest.getDefaultInstance(),
                DefragmentResponse.getDefaultInstance());
        assertEquals(GrpcStatus.UNIMPLEMENTED, unimplemented.status());
    }

    @Test
    void memberListStatusAndAlarms(Vertx vertx) throws Exception {
        start(vertx);
        put("a", "1");
        MemberListResponse members = client.ok("Cluster", "MemberList", MemberListRequest.getDefaultInstance(),
                MemberListResponse.getDefaultInstance());
        assertEquals(1, members.getMembersCount());
        assertEquals("t1", members.getMembers(0).getName());
        assertEquals(server.node().memberId(), members.getMembers(0).getID());
        assertEquals(MemberIds.memberId(java.util.List.of("http://127.0.0.1:23793"), "etcd-cluster"),
                members.getMembers(0).getID());
        assertEquals("http://127.0.0.1:23793", members.getMembers(0).getPeerURLs(0));
        assertEquals("http://127.0.0.1:" + PORT, members.getMembers(0).getClientURLs(0));
        assertEquals(0, members.getHeader().getRevision(), "etcd's Cluster service sends no revision");

        StatusResponse status = client.ok("Maintenance", "Status", StatusRequest.getDefaultInstance(),
                StatusResponse.getDefaultInstance());
        assertEquals(Versions.ETCD_SERVER_VERSION, status.getVersion());
        assertEquals(server.node().memberId(), status.getLeader());
        assertTrue(status.getRaftIndex() >= status.getRaftAppliedIndex() && status.getRaftAppliedIndex() >= 2);
        assertTrue(status.getDbSize() > 0);
        assertEquals(2, status.getHeader().getRevision());
        assertEquals(0, status.getErrorsCount());

        AlarmResponse alarms = client.ok("Maintenance", "Alarm",
                AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.GET).build(), AlarmResponse.getDefaultInstance());
        assertEquals(0, alarms.getAlarmsCount());
    }

    @Test
    void exceedingTheQuotaRaisesTheNospaceAlarm(Vertx vertx) throws Exception {
        start(vertx, "--quota-backend-bytes", "6000");
        String value = "x".repeat(1500);
        GrpcStatus last = GrpcStatus.OK;
        String message = null;
        for (int i = 0; i < 10 && last == GrpcStatus.OK; i++) {
            var r = client.call("KV", "Put", PutRequest.newBuilder().setKey(b("big" + i)).setValue(b(value)).build(),
                    PutResponse.getDefaultInstance());
            last = r.status();
            message = r.message();
        }
        assertEquals(GrpcStatus.RESOURCE_EXHAUSTED, last);
        assertEquals("etcdserver: mvcc: database space exceeded", message);

        // The alarm is proposed through Raft: wait until it has been applied.
        AlarmResponse alarms = AlarmResponse.getDefaultInstance();
        for (int i = 0; i < 50 && alarms.getAlarmsCount() == 0; i++) {
            alarms = client.ok("Maintenance", "Alarm",
                    AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.GET).build(), AlarmResponse.getDefaultInstance());
        }
        assertEquals(1, alarms.getAlarmsCount());
        assertEquals(io.etcd.jetcd.api.AlarmType.NOSPACE, alarms.getAlarms(0).getAlarm());
        assertEquals(server.node().memberId(), alarms.getAlarms(0).getMemberID());

        StatusResponse status = client.ok("Maintenance", "Status", StatusRequest.getDefaultInstance(),
                StatusResponse.getDefaultInstance());
        assertEquals("memberID:" + Long.toUnsignedString(server.node().memberId()) + " alarm:NOSPACE ",
                status.getErrors(0));
        var capped = client.call("KV", "Put", PutRequest.newBuilder().setKey(b("small")).setValue(b("1")).build(),
                PutResponse.getDefaultInstance());
        assertEquals("etcdserver: mvcc: database space exceeded", capped.message());
    }

    @Test
    void dataSurvivesARestartAcrossCheckpoints(Vertx vertx) throws Exception {
        start(vertx);
        for (int i = 0; i < 12; i++) { // --snapshot-count 5: at least two checkpoints and log compactions
            put("key" + i, "v" + i);
        }
        long term = get("key0", false).getHeader().getRaftTerm();
        stop();

        start(vertx);
        RangeResponse r = get("key11", false);
        assertEquals("v11", r.getKvs(0).getValue().toStringUtf8());
        assertEquals(13, r.getHeader().getRevision());
        assertTrue(r.getHeader().getRaftTerm() > term, "a restarted member campaigns in a new term");
        assertHeader(put("key12", "v12").getHeader(), 14);
        RangeResponse all = client.ok("KV", "Range", RangeRequest.newBuilder().setKey(b("key"))
                .setRangeEnd(b("kez")).setCountOnly(true).build(), RangeResponse.getDefaultInstance());
        assertEquals(13, all.getCount());
        assertFalse(all.getMore());
    }
}
