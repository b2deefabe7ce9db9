package io.vertcd.tests;

import static io.vertcd.tests.Jetcd.assertError;
import static io.vertcd.tests.Jetcd.await;
import static io.vertcd.tests.Jetcd.awaitError;
import static io.vertcd.tests.Jetcd.bs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * jetcd (the Java etcd client) against one member of the subject ({@link Binaries#subject()}):
 * KV calls with their revision arithmetic (etcd {@code mvcc/kvstore_txn.go}: one main revision per
 * write transaction; create_revision, mod_revision and version per key), transactions, compaction,
 * and the mapping of etcd's errors to gRPC status codes and messages
 * ({@code api/v3rpc/rpctypes/error.go}). Each test uses its own key prefix and checks revisions
 * relative to the response headers, so tests are independent of their order.
 */
class JetcdClientTest {
    /** {@code --max-request-bytes}: etcd's default, 1.5 MiB. */
    static final int MAX_REQUEST_BYTES = 1536 * 1024;

    static MemberProcess member;
    static Client client;
    static KV kv;

    @BeforeAll
    static void startMember() {
        MemberKind kind = Binaries.requireSubject();
        member = MemberProcess.create(kind, "jetcd", "--max-request-bytes=" + MAX_REQUEST_BYTES);
        try {
            member.start();
        } catch (RuntimeException e) {
            member.close();
            throw e;
        }
        client = Jetcd.client(member);
        kv = client.getKVClient();
    }

    @AfterAll
    static void stopMember() {
        if (client != null) {
            client.close();
        }
        if (member != null) {
            member.close();
        }
    }

    @Test
    void putGetDeleteCountRevisions() {
        PutResponse p1 = await(kv.put(bs("pgd/k"), bs("v1")));
        long r1 = p1.getHeader().getRevision();
        assertFalse(p1.hasPrevKv());

        GetResponse g1 = await(kv.get(bs("pgd/k")));
        assertEquals(1, g1.getCount());
        KeyValue kv1 = g1.getKvs().get(0);
        assertEquals("pgd/k", kv1.getKey().toString());
        assertEquals("v1", kv1.getValue().toString());
        assertEquals(r1, kv1.getCreateRevision());
        assertEquals(r1, kv1.getModRevision());
        assertEquals(1, kv1.getVersion());
        assertEquals(0, kv1.getLease());
        assertTrue(g1.getHeader().getRevision() >= r1);

        PutResponse p2 = await(kv.put(bs("pgd/k"), bs("v2"), PutOption.builder().withPrevKV().build()));
        long r2 = p2.getHeader().getRevision();
        assertEquals(r1 + 1, r2, "a put is exactly one new revision");
        assertTrue(p2.hasPrevKv());
        assertEquals("v1", p2.getPrevKv().getValue().toString());
        assertEquals(r1, p2.getPrevKv().getModRevision());

        KeyValue kv2 = await(kv.get(bs("pgd/k"))).getKvs().get(0);
        assertEquals(r1, kv2.getCreateRevision());
        assertEquals(r2, kv2.getModRevision());
        assertEquals(2, kv2.getVersion());

        // A read at the old revision sees the old value.
        KeyValue old = await(kv.get(bs("pgd/k"), GetOption.builder().withRevision(r1).build())).getKvs().get(0);
        assertEquals("v1", old.getValue().toString());
        assertEquals(1, old.getVersion());

        await(kv.put(bs("pgd/k2"), bs("x")));
        await(kv.put(bs("pgd/k3"), bs("y")));
        GetResponse count = await(kv.get(bs("pgd/"), GetOption.builder().isPrefix(true).withCountOnly(true).build()));
        assertEquals(3, count.getCount());
        assertTrue(count.getKvs().isEmpty(), "count_only returns no kvs");
        GetResponse limited = await(kv.get(bs("pgd/"), GetOption.builder().isPrefix(true).withLimit(2).build()));
        assertEquals(3, limited.getCount(), "count is the full range's size");
        assertEquals(2, limited.getKvs().size());
        assertTrue(limited.isMore());

        DeleteResponse d = await(kv.delete(bs("pgd/k"), DeleteOption.builder().withPrevKV(true).build()));
        assertEquals(1, d.getDeleted());
        assertEquals("v2", d.getPrevKvs().get(0).getValue().toString());
        long rd = d.getHeader().getRevision();
        assertEquals(0, await(kv.get(bs("pgd/k"))).getCount());

        DeleteResponse none = await(kv.delete(bs("pgd/absent")));
        assertEquals(0, none.getDeleted());
        assertEquals(rd, none.getHeader().getRevision(), "deleting nothing does not create a revision");

        DeleteResponse rest = await(kv.delete(bs("pgd/"), DeleteOption.builder().isPrefix(true).build()));
        assertEquals(2, rest.getDeleted());
        assertEquals(rd + 1, rest.getHeader().getRevision(), "one delete-range is one revision");

        // Recreating starts a new generation: version 1, a new create_revision.
        PutResponse p3 = await(kv.put(bs("pgd/k"), bs("v3")));
        KeyValue kv3 = await(kv.get(bs("pgd/k"))).getKvs().get(0);
        assertEquals(p3.getHeader().getRevision(), kv3.getCreateRevision());
        assertEquals(1, kv3.getVersion());
    }

    @Test
    void txnBranchesAndRevisions() {
        long r0 = await(kv.put(bs("txn/a"), bs("1"))).getHeader().getRevision();

        TxnResponse ok = await(kv.txn()
                .If(new Cmp(bs("txn/a"), Cmp.Op.EQUAL, CmpTarget.value(bs("1"))),
                        new Cmp(bs("txn/a"), Cmp.Op.EQUAL, CmpTarget.version(1)),
                        new Cmp(bs("txn/a"), Cmp.Op.EQUAL, CmpTarget.createRevision(r0)),
                        new Cmp(bs("txn/a"), Cmp.Op.LESS, CmpTarget.modRevision(r0 + 1)))
                .Then(Op.put(bs("txn/b"), bs("2"), PutOption.DEFAULT),
                        Op.put(bs("txn/c"), bs("3"), PutOption.DEFAULT),
                        Op.get(bs("txn/"), GetOption.builder().isPrefix(true).build()))
                .Else(Op.put(bs("txn/wrong"), bs("x"), PutOption.DEFAULT))
                .commit());
        assertTrue(ok.isSucceeded());
        long r1 = ok.getHeader().getRevision();
        assertEquals(r0 + 1, r1, "a write txn is one revision, whatever its number of puts");
        assertEquals(2, ok.getPutResponses().size());
        GetResponse inTxn = ok.getGetResponses().get(0);
        assertEquals(3, inTxn.getCount(), "a get inside the txn sees the txn's own puts");
        KeyValue b = await(kv.get(bs("txn/b"))).getKvs().get(0);
        KeyValue c = await(kv.get(bs("txn/c"))).getKvs().get(0);
        assertEquals(r1, b.getModRevision());
        assertEquals(r1, c.getModRevision());

        TxnResponse failed = await(kv.txn()
                .If(new Cmp(bs("txn/a"), Cmp.Op.GREATER, CmpTarget.value(bs("5"))))
                .Then(Op.put(bs("txn/wrong"), bs("x"), PutOption.DEFAULT))
                .Else(Op.put(bs("txn/else"), bs("e"), PutOption.DEFAULT),
                        Op.delete(bs("txn/b"), DeleteOption.DEFAULT))
                .commit());
        assertFalse(failed.isSucceeded());
        assertEquals(r1 + 1, failed.getHeader().getRevision());
        assertEquals(1, failed.getDeleteResponses().get(0).getDeleted());
        assertEquals(0, await(kv.get(bs("txn/wrong"))).getCount());
        assertEquals(r1 + 1, await(kv.get(bs("txn/else"))).getKvs().get(0).getModRevision());

        // A missing key compares with create_revision 0.
        TxnResponse absent = await(kv.txn()
                .If(new Cmp(bs("txn/never"), Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.get(bs("txn/a"), GetOption.DEFAULT))
                .commit());
        assertTrue(absent.isSucceeded());
        assertEquals(r1 + 1, absent.getHeader().getRevision(), "a read-only txn creates no revision");
    }

    @Test
    void compactionAndItsErrors() {
        long r1 = await(kv.put(bs("cmp/k"), bs("1"))).getHeader().getRevision();
        long r2 = await(kv.put(bs("cmp/k"), bs("2"))).getHeader().getRevision();
        long r3 = await(kv.put(bs("cmp/k"), bs("3"))).getHeader().getRevision();

        await(kv.compact(r2));
        Jetcd.RpcError compacted = awaitError(kv.get(bs("cmp/k"), GetOption.builder().withRevision(r1).build()));
        assertError("OUT_OF_RANGE", "etcdserver: mvcc: required revision has been compacted", compacted);

        KeyValue atR2 = await(kv.get(bs("cmp/k"), GetOption.builder().withRevision(r2).build())).getKvs().get(0);
        assertEquals("2", atR2.getValue().toString(), "the compaction revision itself stays readable");
        assertEquals(r3, await(kv.get(bs("cmp/k"))).getKvs().get(0).getModRevision());
        assertEquals(r1, await(kv.get(bs("cmp/k"))).getKvs().get(0).getCreateRevision());

        Jetcd.RpcError again = awaitError(kv.compact(r1));
        assertError("OUT_OF_RANGE", "etcdserver: mvcc: required revision has been compacted", again);

        long head = await(kv.get(bs("cmp/k"))).getHeader().getRevision();
        Jetcd.RpcError future = awaitError(kv.get(bs("cmp/k"), GetOption.builder().withRevision(head + 1000).build()));
        assertError("OUT_OF_RANGE", "etcdserver: mvcc: required revision is a future revision", future);

        Jetcd.RpcError futureCompact = awaitError(kv.compact(head + 1000));
        assertError("OUT_OF_RANGE", "etcdserver: mvcc: required revision is a future revision", futureCompact);
    }

    @Test
    void errorsCarryEtcdsCodeAndMessage() {
        Jetcd.RpcError lease = awaitError(kv.put(bs("err/k"), bs("v"),
                PutOption.builder().withLeaseId(0x1234abcdL).build()));
        assertError("NOT_FOUND", "etcdserver: requested lease not found", lease);

        Jetcd.RpcError dup = awaitError(kv.txn()
                .Then(Op.put(bs("err/d"), bs("1"), PutOption.DEFAULT), Op.put(bs("err/d"), bs("2"), PutOption.DEFAULT))
                .commit());
        assertError("INVALID_ARGUMENT", "etcdserver: duplicate key given in txn request", dup);
        assertEquals(0, await(kv.get(bs("err/d"))).getCount(), "a rejected txn writes nothing");
    }

    @Test
    void largeValuesUpToMaxRequestBytes() {
        // 1.5 MiB minus 1 KiB for the key and the protobuf framing: accepted.
        byte[] big = new byte[MAX_REQUEST_BYTES - 1024];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) ('a' + i % 26);
        }
        PutResponse put = await(kv.put(bs("big/ok"), ByteSequence.from(big)));
        KeyValue back = await(kv.get(bs("big/ok"))).getKvs().get(0);
        assertEquals(put.getHeader().getRevision(), back.getModRevision());
        assertArrayEquals(big, back.getValue().getBytes());

        // One byte over the limit: rejected by the server with etcd's message, nothing written.
        byte[] tooBig = Arrays.copyOf(big, MAX_REQUEST_BYTES + 1);
        Jetcd.RpcError e = awaitError(kv.put(bs("big/no"), ByteSequence.from(tooBig)));
        assertError("INVALID_ARGUMENT", "etcdserver: request is too large", e);
        assertEquals(0, await(kv.get(bs("big/no"))).getCount());
        assertEquals(put.getHeader().getRevision(), await(kv.get(bs("big/ok"))).getHeader().getRevision(),
                "the rejected request created no revision");
    }
}
