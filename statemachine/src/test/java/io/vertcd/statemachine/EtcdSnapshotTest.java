package io.vertcd.statemachine;

import static io.vertcd.statemachine.LeaseWorkload.grant;
import static io.vertcd.statemachine.Reqs.del;
import static io.vertcd.statemachine.Reqs.get;
import static io.vertcd.statemachine.Reqs.put;
import static io.vertcd.statemachine.Reqs.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.api.RangeRequest;
import io.vertcd.statemachine.bbolt.BoltReader;
import io.vertcd.statemachine.lease.Lessor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A store written as an etcd backend file and restored from one, including a file real etcd 3.4.23 wrote. */
class EtcdSnapshotTest extends StoreFixture {
    private Lessor lessor;

    private void plugIn() {
        lessor = LeaseWorkload.lessor();
        kv.setLeaseStore(lessor);
    }

    private Path loadedSnapshot() throws Exception {
        plugIn();
        ok(grant(1, 5, 600));
        ok(put("a", "1"));
        ok(put("b", "2"));
        ok(put("a", "3"));
        ok(del("b", ""));
        ok(LeaseWorkload.put(index + 1, "leased", 5));
        ok(put("c", "4"));
        ok(Reqs.compact(index + 1, 3));
        ok(put("a", "5"));
        StoreSnapshots.export(kv, dir.resolve("export"));
        Path db = dir.resolve("snapshot.db");
        long size = EtcdSnapshotWriter.write(dir.resolve("export"),
                List.of(new EtcdMember(0x2e1259d415f2a040L, "e1", List.of("http://127.0.0.1:2380"),
                        List.of("http://127.0.0.1:2379"), false)), "3.4.0", db);
        assertEquals(Files.size(db), size);
        return db;
    }

    @Test
    void theFileHasEtcdsLayout() throws Exception {
        Path db = loadedSnapshot();
        try (BoltReader r = BoltReader.open(db)) {
            assertEquals(List.of("alarm", "auth", "authRoles", "authUsers", "cluster", "key", "lease", "members",
                    "members_removed", "meta"), r.bucketNames());
            List<String> keys = new ArrayList<>();
            r.forEach(List.of(EtcdBackend.KEY), (k, v, b) -> keys.add(EtcdBackend.main(k) + "/" + EtcdBackend.sub(k)
                    + (EtcdBackend.isTombstone(k) ? "t" : "")));
            // the compaction at 3 keeps each key's newest revision at or below it (a=1 at 2, b=2 at 3), as etcd does
            assertEquals(List.of("2/0", "3/0", "4/0", "5/0t", "6/0", "7/0", "8/0"), keys);
            assertEquals(new LeaseRecord(5, 600, 0), EtcdBackend.decodeLease(
                    r.get(List.of(EtcdBackend.LEASE), EtcdBackend.u64(5))));
            assertEquals(kv.appliedIndex(), EtcdBackend.main(java.util.Arrays.copyOf(
                    r.get(List.of(EtcdBackend.META), EtcdBackend.CONSISTENT_INDEX), 17)));
            assertEquals(3, EtcdBackend.main(r.get(List.of(EtcdBackend.META), EtcdBackend.FINISHED_COMPACT_REV)));
            assertEquals("{\"id\":3319814642761637952,\"peerURLs\":[\"http://127.0.0.1:2380\"],\"name\":\"e1\","
                    + "\"clientURLs\":[\"http://127.0.0.1:2379\"]}", new String(r.get(List.of(EtcdBackend.MEMBERS),
                    "2e1259d415f2a040".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8));
        }
        // etcdctl (real bbolt, tx.Check) reads it and agrees on every figure
        EtcdSnapshotStatus ours = EtcdSnapshotStatus.of(db);
        assertEquals(8, ours.revision());
        Process p = new ProcessBuilder("etcdctl", "snapshot", "status", db.toString(), "-w", "json")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), out);
        assertEquals(ours.json(), out.lines().reduce((a, b) -> b).orElseThrow());
    }

    @Test
    void restoringTheFileGivesTheSameStore() throws Exception {
        Path db = loadedSnapshot();
        List<String> before = LeaseWorkload.fingerprint(kv, lessor);
        EtcdSnapshotRestore.Restored restored = EtcdSnapshotRestore.restore(db, dir.resolve("restored"), options(),
                kv.appliedIndex(), kv.appliedTerm());
        assertEquals(8, restored.revision());
        assertEquals(3, restored.compactedRevision());
        assertEquals(7, restored.revisions());
        kv.close();
        kv = KvStore.open(dir.resolve("restored"), options());
        plugIn();
        assertEquals(before, LeaseWorkload.fingerprint(kv, lessor));
        assertEquals(3, kv.compactedRevision());
        assertEquals("3", kv.range(get("a").toBuilder().setRevision(7).build()).getKvs(0).getValue().toStringUtf8());
        assertThrows(EtcdException.class, () -> kv.range(get("a").toBuilder().setRevision(2).build()));
    }

    @Test
    void restoresASnapshotRealEtcdWrote() throws Exception {
        Path db = dir.resolve("etcd.db");
        try (InputStream in = getClass().getResourceAsStream("/bbolt/etcd-3.4.23-snapshot.db")) {
            Files.copy(in, db);
        }
        assertEquals(Files.size(db) - 32, EtcdSnapshotFile.verify(db, false));
        EtcdSnapshotStatus status = EtcdSnapshotStatus.of(db);
        assertEquals(new EtcdSnapshotStatus(906527751L, 6, 11, 20480), status); // what etcdctl printed for it
        EtcdSnapshotRestore.Restored restored = EtcdSnapshotRestore.restore(db, dir.resolve("restored"), options(), 1, 1);
        assertEquals(6, restored.revision());
        assertEquals(3, restored.compactedRevision());
        assertEquals(1, restored.leases().size());
        kv.close();
        kv = KvStore.open(dir.resolve("restored"), options());
        plugIn();
        RangeRequest all = range("\0", "\0");
        List<String> kvs = kv.range(all).getKvsList().stream().map(k -> k.getKey().toStringUtf8() + "="
                + k.getValue().toStringUtf8() + " c" + k.getCreateRevision() + " m" + k.getModRevision() + " v"
                + k.getVersion() + " l" + (k.getLease() == restored.leases().get(0).id())).toList();
        assertEquals(List.of("/registry/a=2 c2 m3 v2 lfalse", "/registry/leased=v c6 m6 v1 ltrue"), kvs);
        assertEquals(6, kv.currentRevision());
        assertEquals(List.of(restored.leases().get(0).id()), lessor.leases());
        assertEquals(List.of("/registry/leased"), lessor.timeToLive(restored.leases().get(0).id(), true)
                .getKeysList().stream().map(b -> b.toStringUtf8()).toList());
    }

    @Test
    void wrongOrMissingHashIsRefusedUnlessSkipped() throws Exception {
        Path db = dir.resolve("etcd.db");
        try (InputStream in = getClass().getResourceAsStream("/bbolt/etcd-3.4.23-snapshot.db")) {
            Files.copy(in, db);
        }
        byte[] bytes = Files.readAllBytes(db);
        bytes[bytes.length - 1] ^= 1;
        Files.write(db, bytes);
        IOException e = assertThrows(IOException.class, () -> EtcdSnapshotFile.verify(db, false));
        assertTrue(e.getMessage().startsWith("expected sha256 ["), e.getMessage());
        assertEquals(bytes.length - 32, EtcdSnapshotFile.verify(db, true));
        Files.write(db, java.util.Arrays.copyOf(bytes, bytes.length - 32));
        assertEquals("snapshot missing hash but --skip-hash-check=false",
                assertThrows(IOException.class, () -> EtcdSnapshotFile.verify(db, false)).getMessage());
    }
}
