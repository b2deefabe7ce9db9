package io.vertcd.statemachine;

import static io.vertcd.statemachine.Reqs.get;
import static io.vertcd.statemachine.Reqs.put;
import static io.vertcd.statemachine.Reqs.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.vertcd.statemachine.pb.InternalRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecoveryTest {
    private static final KvStoreOptions OPTIONS = new KvStoreOptions(0, 1000);
    private static final int TOTAL = 120;

    @TempDir
    Path dir;

    /** Everything observable about the state: all keys, and history at a few revisions. */
    private static List<String> fingerprint(KvStore kv) throws EtcdException {
        List<String> out = new ArrayList<>();
        out.add("rev=" + kv.currentRevision() + " compacted=" + kv.compactedRevision() + " applied=" + kv.appliedIndex()
                + " alarms=" + kv.alarms());
        out.add(kv.range(range("\0", "\0")).getKvsList().toString());
        for (long rev = Math.max(kv.compactedRevision(), 1); rev <= kv.currentRevision(); rev += 7) {
            RangeResponse r = kv.range(range("\0", "\0").toBuilder().setRevision(rev).build());
            out.add(rev + ":" + r.getKvsList());
        }
        return out;
    }

    @Test
    void checkpointCloseReopen() throws Exception {
        Path snap = dir.resolve("snap");
        List<InternalRequest> entries = Workload.entries(TOTAL);
        List<String> before;
        try (KvStore kv = KvStore.open(snap, OPTIONS)) {
            Workload.apply(kv, entries, 1, TOTAL);
            kv.checkpoint();
            before = fingerprint(kv);
        }
        assertFalse(Files.exists(snap.resolve(KvStore.OPEN_FLAG)), "clean close removes the flag");
        try (KvStore kv = KvStore.open(snap, OPTIONS)) {
            assertEquals(before, fingerprint(kv));
            assertEquals(TOTAL, kv.appliedIndex());
            assertTrue(Files.exists(snap.resolve(KvStore.OPEN_FLAG)));
            // it keeps working: new revisions continue from the old ones
            kv.alarms().forEach(a -> { });
            long rev = kv.currentRevision();
            kv.apply(TOTAL + 1, 2, InternalRequest.newBuilder()
                    .setAlarm(io.etcd.jetcd.api.AlarmRequest.newBuilder()
                            .setAction(io.etcd.jetcd.api.AlarmRequest.AlarmAction.DEACTIVATE).setMemberID(1)
                            .setAlarm(io.etcd.jetcd.api.AlarmType.NOSPACE)).build());
            kv.apply(TOTAL + 2, 2, Reqs.wrap(1, put("after", "reopen")));
            assertEquals(rev + 1, kv.currentRevision());
            assertEquals(2, kv.appliedTerm());
        }
    }

    @Test
    void crashRollsBackToCheckpointAndReplayReproducesState() throws Exception {
        int checkpointAt = 80;
        Path snap = dir.resolve("snap");
        runCrashWriter(snap, checkpointAt, TOTAL);
        assertTrue(Files.exists(snap.resolve(KvStore.OPEN_FLAG)), "the crash left the flag");

        // reference: the same entries applied without a crash
        List<InternalRequest> entries = Workload.entries(TOTAL);
        List<String> atCheckpoint;
        List<String> atEnd;
        try (KvStore ref = KvStore.open(dir.resolve("ref"), OPTIONS)) {
            Workload.apply(ref, entries, 1, checkpointAt);
            atCheckpoint = fingerprint(ref);
            Workload.apply(ref, entries, checkpointAt + 1, TOTAL);
            atEnd = fingerprint(ref);
        }

        try (KvStore kv = KvStore.open(snap, OPTIONS)) {
            assertEquals(checkpointAt, kv.appliedIndex());
            assertEquals(atCheckpoint, fingerprint(kv), "rolled back exactly to the checkpoint");
            Workload.apply(kv, entries, 1, TOTAL); // the server replays the log; entries <= applied are skipped
            assertEquals(atEnd, fingerprint(kv), "replay reproduces the state");
        }
    }

    @Test
    void crashBeforeAnyCheckpointStartsEmpty() throws Exception {
        Path snap = dir.resolve("snap");
        runCrashWriter(snap, 0, 30);
        try (KvStore kv = KvStore.open(snap, OPTIONS)) {
            assertEquals(0, kv.appliedIndex());
            assertEquals(1, kv.currentRevision());
            assertEquals(0, kv.storedRevisions());
            assertEquals(0, kv.range(get("key1")).getCount());
        }
    }

    private void runCrashWriter(Path snap, int checkpointAt, int total) throws Exception {
        ChildProcess.runUntilHalt(dir, CrashWriter.class, snap.toString(), Integer.toString(checkpointAt),
                Integer.toString(total));
    }

    @Test
    void rangeRequestAtCheckpointRevisionAfterRecovery() throws Exception {
        Path snap = dir.resolve("snap");
        try (KvStore kv = KvStore.open(snap, OPTIONS)) {
            kv.apply(1, 1, Reqs.wrap(1, put("a", "1")));
            kv.apply(2, 1, Reqs.wrap(2, put("a", "2")));
        }
        try (KvStore kv = KvStore.open(snap, OPTIONS)) {
            RangeRequest at2 = get("a").toBuilder().setRevision(2).build();
            assertEquals("1", kv.range(at2).getKvs(0).getValue().toStringUtf8());
            assertEquals(2, kv.range(get("a")).getKvs(0).getVersion());
        }
    }
}
