package io.vertcd.tests.snapshot;

import static io.vertcd.tests.Jetcd.await;
import static io.vertcd.tests.Jetcd.bs;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.vertcd.tests.Etcdctl;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A Kubernetes-like data set for the migration tests, and the fingerprint two servers are compared by.
 *
 * <p>Loaded: 240 objects under {@code /registry/<resource>/<namespace>/<name>} written three or four times each,
 * 30 deleted, a compaction half-way, events attached to three leases (one lease later revoked), txns writing several
 * keys in one revision (sub revisions above 0), then more writes after the compaction.
 */
final class KubeLikeDataSet {
    static final String[] RESOURCES = {"pods", "configmaps", "secrets", "services", "deployments", "events"};

    private KubeLikeDataSet() {
    }

    /** Loads the data set. @return the compacted revision */
    static long load(Client c) throws Exception {
        List<Long> leases = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            leases.add(await(c.getLeaseClient().grant(3600 + i * 600)).getID());
        }
        long doomed = await(c.getLeaseClient().grant(900)).getID();
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 240; i++) {
                String resource = RESOURCES[i % RESOURCES.length];
                String key = "/registry/" + resource + "/ns-" + (i % 7) + "/obj-" + i;
                String value = "{\"kind\":\"" + resource + "\",\"metadata\":{\"name\":\"obj-" + i
                        + "\",\"resourceVersion\":\"" + round + "\"},\"spec\":\"" + "x".repeat(i % 50) + "\"}";
                PutOption opt = resource.equals("events")
                        ? PutOption.builder().withLeaseId(round == 2 && i % 4 == 0 ? doomed : leases.get(i % 3)).build()
                        : PutOption.DEFAULT;
                pending.add(c.getKVClient().put(bs(key), bs(value), opt));
                if (pending.size() >= 32) {
                    drain(pending);
                }
            }
            drain(pending);
        }
        for (int i = 0; i < 240; i += 8) {
            await(c.getKVClient().delete(bs("/registry/" + RESOURCES[i % RESOURCES.length] + "/ns-" + (i % 7)
                    + "/obj-" + i)));
        }
        long compactAt = await(c.getKVClient().get(bs("/registry/pods/ns-0/obj-0"))).getHeader().getRevision() - 100;
        await(c.getKVClient().compact(compactAt, CompactOption.newBuilder().withCompactPhysical(true).build()));
        for (int t = 0; t < 10; t++) {
            await(c.getKVClient().txn().Then(
                    Op.put(bs("/registry/leases/kube-system/lock-" + t), bs("holder-a-" + t), PutOption.DEFAULT),
                    Op.put(bs("/registry/leases/kube-system/lock-" + (t + 100)), bs("holder-b-" + t), PutOption.DEFAULT),
                    Op.delete(bs("/registry/pods/ns-" + (t % 7) + "/obj-" + (t * 6 + 1 + 48)), io.etcd.jetcd.options.DeleteOption.DEFAULT))
                    .commit());
        }
        await(c.getLeaseClient().revoke(doomed));
        for (int i = 1; i < 240; i += 3) {
            String resource = RESOURCES[i % RESOURCES.length];
            pending.add(c.getKVClient().put(bs("/registry/" + resource + "/ns-" + (i % 7) + "/obj-" + i),
                    bs("{\"after\":\"compaction\",\"i\":" + i + "}")));
            if (pending.size() >= 32) {
                drain(pending);
            }
        }
        drain(pending);
        return compactAt;
    }

    private static void drain(List<CompletableFuture<?>> pending) throws Exception {
        for (CompletableFuture<?> f : pending) {
            await(f);
        }
        pending.clear();
    }

    /**
     * Everything the migration must keep: the store revision; every key with value, create and mod revision, version
     * and lease, now and at every 17th revision since the compaction (and the compacted revision itself); that
     * the revision below the compaction is compacted; every lease with its granted TTL and keys.
     */
    static List<String> fingerprint(Client c, Etcdctl ctl, long compacted) throws Exception {
        List<String> out = new ArrayList<>();
        GetResponse now = await(c.getKVClient().get(bs("\0"), GetOption.builder().withRange(bs("\0")).build()));
        long rev = now.getHeader().getRevision();
        out.add("revision " + rev);
        describe(out, now);
        for (long r = compacted; r < rev; r += 17) {
            out.add("at " + r);
            describe(out, await(c.getKVClient().get(bs("\0"), GetOption.builder().withRange(bs("\0")).withRevision(r).build())));
        }
        try {
            c.getKVClient().get(bs("\0"), GetOption.builder().withRange(bs("\0")).withRevision(compacted - 1).build()).get();
            out.add("revision below the compaction readable");
        } catch (ExecutionException e) {
            out.add("below the compaction: " + e.getCause().getMessage());
        }
        Etcdctl.Result list = ctl.run("lease", "list");
        if (!list.ok()) {
            throw new AssertionError(list.toString());
        }
        List<Long> ids = list.stdout().lines().skip(1).map(String::strip).filter(l -> !l.isEmpty())
                .map(l -> Long.parseUnsignedLong(l, 16)).sorted().toList();
        out.add(list.stdout().lines().findFirst().orElse(""));
        for (long id : ids) {
            LeaseTimeToLiveResponse ttl = await(c.getLeaseClient().timeToLive(id, LeaseOption.newBuilder().withAttachedKeys().build()));
            out.add("lease " + Long.toHexString(id) + " ttl " + ttl.getGrantedTTL() + " keys "
                    + ttl.getKeys().stream().map(k -> k.toString(StandardCharsets.UTF_8)).sorted().toList());
        }
        return out;
    }

    private static void describe(List<String> out, GetResponse r) {
        for (KeyValue kv : r.getKvs()) {
            out.add(str(kv.getKey()) + " = " + str(kv.getValue()) + " c" + kv.getCreateRevision() + " m"
                    + kv.getModRevision() + " v" + kv.getVersion() + " l" + Long.toHexString(kv.getLease()));
        }
    }

    private static String str(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }
}
