package io.vertcd.statemachine;

import io.vertcd.statemachine.pb.InternalRequest;
import java.nio.file.Path;
import java.util.List;

/**
 * Child process of {@link RecoveryTest}: applies the workload's entries 1..checkpointAt, takes a
 * checkpoint, applies checkpointAt+1..total, then dies without closing (Runtime.halt), leaving
 * the store exactly as a crash would (everything after the checkpoint is in the page cache only).
 */
public final class CrashWriter {
    public static void main(String[] args) throws Exception {
        Path snap = Path.of(args[0]);
        int checkpointAt = Integer.parseInt(args[1]);
        int total = Integer.parseInt(args[2]);
        List<InternalRequest> entries = Workload.entries(total);
        KvStore kv = KvStore.open(snap, new KvStoreOptions(0, 1000));
        Workload.apply(kv, entries, 1, checkpointAt);
        if (checkpointAt > 0) {
            kv.checkpoint();
        }
        Workload.apply(kv, entries, checkpointAt + 1, total);
        System.out.println("revision=" + kv.currentRevision());
        System.out.flush();
        Runtime.getRuntime().halt(3);
    }
}
