package io.vertcd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The gRPC status of etcd's errors as it is on the wire: for each error, one call made by hand
 * ({@link RawGrpc}) to real etcd 3.4 and to the subject, and the HTTP/2 fields compared as sent —
 * where the status travels (trailers-only answer or trailers), {@code grpc-status}, and
 * {@code grpc-message} byte for byte. etcd (grpc-go) percent-encodes only bytes outside printable
 * ASCII and {@code %}, so its messages go out as plain text; a client that does not decode the
 * header (Node's grpc-js) shows what is sent.
 */
class GrpcStatusWireTest {
    private static final ByteString KEY = ByteString.copyFromUtf8("wire/k");

    @Test
    void errorStatusFieldsAreTheSameAsEtcds() throws Exception {
        Binaries.requireEtcd();
        MemberKind subject = Binaries.requireSubject();
        Map<String, String> expected = run(MemberKind.ETCD);
        Map<String, String> actual = run(subject);
        expected.forEach((name, fields) -> System.out.println("etcd " + name + ": " + fields));
        assertTrue(expected.get("key not provided").contains("grpc-message=[etcdserver: key is not provided]"),
                "etcd sends the message as plain text: " + expected);
        StringBuilder diffs = new StringBuilder();
        for (String name : expected.keySet()) {
            if (!expected.get(name).equals(actual.get(name))) {
                diffs.append("\n").append(name).append("\n  etcd:   ").append(expected.get(name))
                        .append("\n  ").append(subject).append(": ").append(actual.get(name));
            }
        }
        if (diffs.length() > 0) {
            fail("status fields differ from etcd's:" + diffs);
        }
    }

    /** @return per case: "where grpc-status=N grpc-message=[...]" */
    private static Map<String, String> run(MemberKind kind) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        try (MemberProcess m = MemberProcess.create(kind, "wire").start(); RawGrpc grpc = new RawGrpc(m.clientUrl())) {
            for (int i = 0; i < 3; i++) { // revisions 2, 3, 4
                ok(grpc, "/etcdserverpb.KV/Put", PutRequest.newBuilder().setKey(KEY).setValue(ByteString.copyFromUtf8("v" + i)).build());
            }
            ok(grpc, "/etcdserverpb.KV/Compact", CompactionRequest.newBuilder().setRevision(3).build());
            ok(grpc, "/etcdserverpb.Lease/LeaseGrant", LeaseGrantRequest.newBuilder().setID(77).setTTL(60).build());

            Map<String, Map.Entry<String, Message>> cases = new LinkedHashMap<>();
            cases.put("key not provided", Map.entry("/etcdserverpb.KV/Range", RangeRequest.newBuilder().build()));
            cases.put("compacted revision", Map.entry("/etcdserverpb.KV/Range",
                    RangeRequest.newBuilder().setKey(KEY).setRevision(2).build()));
            cases.put("future revision", Map.entry("/etcdserverpb.KV/Range",
                    RangeRequest.newBuilder().setKey(KEY).setRevision(1_000).build()));
            cases.put("lease not found", Map.entry("/etcdserverpb.Lease/LeaseRevoke",
                    LeaseRevokeRequest.newBuilder().setID(12_345).build()));
            cases.put("lease exists", Map.entry("/etcdserverpb.Lease/LeaseGrant",
                    LeaseGrantRequest.newBuilder().setID(77).setTTL(60).build()));
            cases.put("lease TTL too large", Map.entry("/etcdserverpb.Lease/LeaseGrant",
                    LeaseGrantRequest.newBuilder().setTTL(9_000_000_001L).build()));
            TxnRequest.Builder tooMany = TxnRequest.newBuilder();
            for (int i = 0; i < 129; i++) { // etcd's default --max-txn-ops is 128
                tooMany.addSuccess(put("wire/t" + i));
            }
            cases.put("too many ops", Map.entry("/etcdserverpb.KV/Txn", tooMany.build()));
            cases.put("duplicate key", Map.entry("/etcdserverpb.KV/Txn",
                    TxnRequest.newBuilder().addSuccess(put("wire/d")).addSuccess(put("wire/d")).build()));
            cases.put("request too large", Map.entry("/etcdserverpb.KV/Put", PutRequest.newBuilder().setKey(KEY)
                    .setValue(ByteString.copyFrom(new byte[1024 * 1024 + 600 * 1024])).build())); // > 1.5 MiB
            for (Map.Entry<String, Map.Entry<String, Message>> c : cases.entrySet()) {
                RawGrpc.Answer a = grpc.call(c.getValue().getKey(), c.getValue().getValue());
                out.put(c.getKey(), "http " + a.httpStatus() + (a.trailersOnly() ? " trailers-only" : " trailers")
                        + " grpc-status=" + a.grpcStatus() + " grpc-message=" + a.grpcMessages());
            }
        }
        return out;
    }

    private static RequestOp put(String key) {
        return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))).build();
    }

    private static void ok(RawGrpc grpc, String path, Message request) throws Exception {
        RawGrpc.Answer a = grpc.call(path, request);
        assertEquals("0", a.grpcStatus(), path + ": " + a);
    }
}
