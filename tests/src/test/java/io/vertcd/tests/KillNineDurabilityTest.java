package io.vertcd.tests;

import static io.vertcd.tests.Jetcd.await;
import static io.vertcd.tests.Jetcd.bs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Acknowledged writes survive SIGKILL. Each round: concurrent jetcd clients put distinct keys, one
 * revision each, and record every acknowledged put with the revision of its response header; after
 * a random time (seeded; the seed is printed and can be replayed with
 * {@code -Dvertcd.tests.seed=<seed>}) the member gets SIGKILL, is restarted on the same data
 * directory, and must hold every acknowledged put with exactly its acknowledged revision. Since
 * every put creates a new key, the keys present after a restart must also occupy the revisions
 * 2..header revision exactly once each: no revision lost, reused or skipped, whether or not the
 * put that made it was acknowledged (etcd: a revision is durable once the entry that made it is
 * in the fsync'ed WAL, Raft thesis 3.8 / etcd {@code etcdserver/raft.go}: entries are saved before
 * being applied and answered).
 *
 * <p>Rounds: {@code -Dvertcd.tests.killRounds} (default 20).
 */
class KillNineDurabilityTest {
    static final int ROUNDS = Integer.getInteger("vertcd.tests.killRounds", 20);
    static final int CLIENTS = 4;
    static final int WRITERS_PER_CLIENT = 4;

    @Test
    void acknowledgedWritesSurviveSigkill() {
        MemberKind kind = Binaries.requireSubject();
        long seed = Long.getLong("vertcd.tests.seed", System.nanoTime());
        System.out.println("KillNineDurabilityTest seed=" + seed + " (replay: -Dvertcd.tests.seed=" + seed + ")");
        Random random = new Random(seed);
        Map<String, Long> acked = new ConcurrentHashMap<>();

        try (MemberProcess member = MemberProcess.create(kind, "kill9")) {
            member.start();
            for (int round = 0; round < ROUNDS; round++) {
                if (round > 0) {
                    member.start();
                    verify(member, acked, "seed " + seed + " after kill " + round);
                }
                long writeMillis = 200 + random.nextInt(1800);
                int before = acked.size();
                writeThenKill(member, round, writeMillis, acked);
                System.out.printf("round %d: wrote for %d ms, %d acknowledged puts, killed%n",
                        round, writeMillis, acked.size() - before);
            }
            member.start();
            verify(member, acked, "seed " + seed + " after the last kill");
            member.stop();
        }
        assertTrue(acked.size() > ROUNDS, "the rounds acknowledged almost no writes: " + acked.size());
    }

    /** Puts distinct keys from concurrent writers for writeMillis, then SIGKILLs the member. */
    private static void writeThenKill(MemberProcess member, int round, long writeMillis, Map<String, Long> acked) {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong failures = new AtomicLong();
        List<Client> clients = new ArrayList<>();
        try {
            for (int c = 0; c < CLIENTS; c++) {
                Client client = Jetcd.client(member);
                clients.add(client);
                for (int w = 0; w < WRITERS_PER_CLIENT; w++) {
                    String prefix = String.format("r%03d/c%d/w%d/", round, c, w);
                    putNext(client.getKVClient(), prefix, 0, running, acked, failures);
                }
            }
            MemberProcess.sleep(writeMillis);
            member.kill();
        } finally {
            running.set(false);
            // Closing the clients fails every call still in flight; none can reach a later process.
            clients.forEach(Client::close);
        }
    }

    /** One writer: a chain of puts, one in flight at a time, each recorded once acknowledged. */
    private static void putNext(KV kv, String prefix, int i, AtomicBoolean running, Map<String, Long> acked,
                                AtomicLong failures) {
        if (!running.get()) {
            return;
        }
        String key = prefix + String.format("%06d", i);
        kv.put(bs(key), bs(key)).whenComplete((resp, err) -> {
            if (err == null) {
                acked.put(key, resp.getHeader().getRevision());
                putNext(kv, prefix, i + 1, running, acked, failures);
            } else {
                failures.incrementAndGet();
            }
        });
    }

    /** Checks every acknowledged put and the gap-free revision sequence on the restarted member. */
    private static void verify(MemberProcess member, Map<String, Long> acked, String context) {
        try (Client client = Jetcd.client(member)) {
            GetResponse all = await(client.getKVClient().get(bs("\0"),
                    GetOption.builder().isPrefix(false).withRange(bs("\0")).build()));
            long head = all.getHeader().getRevision();
            Map<String, KeyValue> present = new HashMap<>();
            for (KeyValue kv : all.getKvs()) {
                present.put(kv.getKey().toString(), kv);
            }
            List<String> problems = new ArrayList<>();
            for (Map.Entry<String, Long> e : acked.entrySet()) {
                KeyValue kv = present.get(e.getKey());
                if (kv == null) {
                    problems.add("lost acknowledged put " + e.getKey() + " @" + e.getValue());
                } else if (kv.getModRevision() != e.getValue()) {
                    problems.add(e.getKey() + " acknowledged @" + e.getValue() + " but has mod_revision "
                            + kv.getModRevision());
                }
            }
            // Every key was put once: revisions 2..head, each exactly once.
            long[] revisions = new long[present.size()];
            int n = 0;
            for (KeyValue kv : present.values()) {
                if (kv.getVersion() != 1 || kv.getCreateRevision() != kv.getModRevision()
                        || !kv.getKey().equals(kv.getValue())) {
                    problems.add("key written once looks rewritten: " + kv.getKey() + " version=" + kv.getVersion()
                            + " create=" + kv.getCreateRevision() + " mod=" + kv.getModRevision());
                }
                revisions[n++] = kv.getModRevision();
            }
            java.util.Arrays.sort(revisions);
            for (int i = 0; i < revisions.length && problems.size() < 50; i++) {
                if (revisions[i] != i + 2) {
                    problems.add("revision sequence broken at position " + i + ": expected " + (i + 2) + ", found "
                            + revisions[i]);
                    break;
                }
            }
            if (head != revisions.length + 1L) {
                problems.add("header revision " + head + " but " + revisions.length + " keys (expected "
                        + (revisions.length + 1) + ")");
            }
            assertEquals(present.size(), all.getCount(), "range count");
            if (!problems.isEmpty()) {
                fail(context + ": " + problems.size() + " problem(s), first ones:\n"
                        + String.join("\n", problems.subList(0, Math.min(50, problems.size())))
                        + "\nmember log " + member.logFile());
            }
        }
    }
}
