package io.vertcd.tests;

import static io.vertcd.tests.Jetcd.assertError;
import static io.vertcd.tests.Jetcd.await;
import static io.vertcd.tests.Jetcd.awaitError;
import static io.vertcd.tests.Jetcd.bs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.maintenance.AlarmMember;
import io.etcd.jetcd.maintenance.AlarmType;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Capacity: a million keys, and the backend quota.
 *
 * <p>Quota semantics, from etcd 3.4 ({@code etcdserver/quota.go}, {@code apply.go}): a write is
 * admitted while {@code db size + request cost < --quota-backend-bytes}; 0 means the default
 * (2 GiB) and a negative value disables the quota. There is no minimum: any positive quota is
 * effective, and one below the size of a fresh database (about 20 KiB for etcd's bbolt file)
 * rejects the very first write; with 1 MiB etcd 3.4 takes roughly 690 puts of 1 KB. When an
 * applied write finds the quota exceeded the member raises the NOSPACE alarm, after which every
 * put, writing txn and lease grant fails with "etcdserver: mvcc: database space exceeded"
 * (RESOURCE_EXHAUSTED) until the alarm is disarmed, while reads, deletes and compaction are still
 * served.
 */
class CapacityTest {
    static final int KEYS = 1_000_000;
    /** etcd's default {@code --max-txn-ops}. */
    static final int PUTS_PER_TXN = 128;
    /** Txns in flight at once. */
    static final int IN_FLIGHT = 8;
    static final long QUOTA_BYTES = 1024 * 1024;

    @Test
    void loadsOneMillionKeys() throws InterruptedException {
        MemberKind kind = Binaries.requireSubject();
        try (MemberProcess member = MemberProcess.create(kind, "million").start();
             Client client = Jetcd.client(member)) {
            KV kv = client.getKVClient();
            long startRevision = await(kv.get(bs("m/"))).getHeader().getRevision();
            Semaphore window = new Semaphore(IN_FLIGHT);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            int txns = 0;
            long[] txnRevision = new long[(KEYS + PUTS_PER_TXN - 1) / PUTS_PER_TXN];
            for (int first = 0; first < KEYS && failure.get() == null; first += PUTS_PER_TXN) {
                Op[] ops = new Op[Math.min(PUTS_PER_TXN, KEYS - first)];
                for (int i = 0; i < ops.length; i++) {
                    String k = key(first + i);
                    ops[i] = Op.put(bs(k), bs(Integer.toHexString(first + i)), PutOption.DEFAULT);
                }
                if (!window.tryAcquire(Jetcd.CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    fail("no txn completed within " + Jetcd.CALL_TIMEOUT_SECONDS + " s");
                }
                CompletableFuture<TxnResponse> f = kv.txn().Then(ops).commit();
                int txn = txns;
                f.whenComplete((r, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        txnRevision[txn] = r.getHeader().getRevision();
                    }
                    window.release();
                });
                txns++;
            }
            assertTrue(window.tryAcquire(IN_FLIGHT, Jetcd.CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS), "last txns");
            if (failure.get() != null) {
                throw new AssertionError("a txn failed: " + failure.get(), failure.get());
            }

            GetResponse count = await(kv.get(bs("m/"), GetOption.builder().isPrefix(true).withCountOnly(true).build()));
            assertEquals(KEYS, count.getCount());
            assertTrue(count.getKvs().isEmpty());
            assertEquals(startRevision + txns, count.getHeader().getRevision(), "one revision per txn");
            // Txns in flight together may be applied in any order, but each has its own revision.
            long[] sorted = txnRevision.clone();
            java.util.Arrays.sort(sorted);
            for (int t = 0; t < sorted.length; t++) {
                assertEquals(startRevision + 1 + t, sorted[t], "txn revisions are start+1..start+" + txns);
            }
            Random random = new Random(42);
            for (int n = 0; n < 20; n++) {
                int i = random.nextInt(KEYS);
                KeyValue kvi = await(kv.get(bs(key(i)))).getKvs().get(0);
                assertEquals(Integer.toHexString(i), kvi.getValue().toString());
                assertEquals(txnRevision[i / PUTS_PER_TXN], kvi.getModRevision(), key(i));
            }
            member.stop();
        }
    }

    private static String key(int i) {
        return String.format("m/%07d", i);
    }

    @Test
    void quotaExceededRaisesNospaceAndKeepsServing() {
        MemberKind kind = Binaries.requireSubject();
        try (MemberProcess member = MemberProcess.create(kind, "quota", "--quota-backend-bytes=" + QUOTA_BYTES).start();
             Client client = Jetcd.client(member)) {
            KV kv = client.getKVClient();
            byte[] value = new byte[4096];
            new Random(7).nextBytes(value);
            Map<String, Long> acked = new HashMap<>();
            Jetcd.RpcError full = null;
            // Bounded: 64 MiB of values is 64 times the quota.
            for (int i = 0; i < 16_384 && full == null; i++) {
                String key = String.format("q/%05d", i);
                CompletableFuture<io.etcd.jetcd.kv.PutResponse> f = kv.put(bs(key), ByteSequence.from(value));
                try {
                    acked.put(key, f.get(Jetcd.CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS).getHeader().getRevision());
                } catch (java.util.concurrent.ExecutionException e) {
                    full = Jetcd.rpcError(e.getCause());
                } catch (Exception e) {
                    throw new AssertionError("put " + key + " did not complete", e);
                }
            }
            System.out.printf("quota %d bytes: %d puts of %d bytes acknowledged before the first error%n",
                    QUOTA_BYTES, acked.size(), value.length);
            assertNotNull(full, "64 MiB written against a " + QUOTA_BYTES + " byte quota without an error");
            assertError("RESOURCE_EXHAUSTED", "etcdserver: mvcc: database space exceeded", full);
            assertTrue(acked.size() > 10, "the quota rejected writes too early: " + acked.size() + " puts");

            // The alarm is raised and visible to clients.
            List<AlarmMember> alarms = await(client.getMaintenanceClient().listAlarms()).getAlarms();
            assertEquals(1, alarms.size(), "alarms: " + alarms);
            assertEquals(AlarmType.NOSPACE, alarms.get(0).getAlarmType());
            Etcdctl.Result list = member.etcdctl().run("alarm", "list");
            assertEquals(0, list.exitCode(), list.toString());
            assertEquals("memberID:" + Long.toUnsignedString(alarms.get(0).getMemberId()) + " alarm:NOSPACE \n",
                    list.stdout());

            // It is sticky: even a tiny put or a writing txn is refused now.
            assertError("RESOURCE_EXHAUSTED", "etcdserver: mvcc: database space exceeded",
                    awaitError(kv.put(bs("tiny"), bs("x"))));
            assertError("RESOURCE_EXHAUSTED", "etcdserver: mvcc: database space exceeded",
                    awaitError(kv.txn().Then(Op.put(bs("tiny"), bs("x"), PutOption.DEFAULT)).commit()));

            // Every acknowledged write is there, with its revision (linearizable and serializable reads).
            GetResponse all = await(kv.get(bs("q/"), GetOption.builder().isPrefix(true).build()));
            assertEquals(acked.size(), all.getCount());
            for (KeyValue e : all.getKvs()) {
                assertEquals(acked.get(e.getKey().toString()), e.getModRevision(), e.getKey().toString());
                assertEquals(ByteSequence.from(value), e.getValue());
            }
            GetResponse serializable = await(kv.get(bs("q/"),
                    GetOption.builder().isPrefix(true).withCountOnly(true).withSerializable(true).build()));
            assertEquals(acked.size(), serializable.getCount());

            // The member still serves: deletes are allowed under NOSPACE, status and health answer.
            long deleted = await(kv.delete(bs("q/00000"))).getDeleted();
            assertEquals(1, deleted);
            Etcdctl.Result status = member.etcdctl().run("endpoint", "status", "-w", "json");
            assertEquals(0, status.exitCode(), status.toString());
            assertTrue(status.stdout().contains("\"Endpoint\":\"" + member.clientUrl() + "\""), status.stdout());
            Etcdctl.Result health = member.etcdctl().run("endpoint", "health");
            assertEquals(0, health.exitCode(), health.toString());
            member.stop();
        }
    }
}
