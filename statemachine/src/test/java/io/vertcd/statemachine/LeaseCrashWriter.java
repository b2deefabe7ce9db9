package io.vertcd.statemachine;

import io.vertcd.statemachine.pb.InternalRequest;
import java.nio.file.Path;
import java.util.List;

/**
 * Child process of {@link LeaseKvTest}: applies lease entries 1..checkpointAt, checkpoints,
 * applies the rest, then dies without closing (Runtime.halt), as a crash would.
 */
public final class LeaseCrashWriter {
    public static void main(String[] args) throws Exception {
        Path snap = Path.of(args[0]);
        int checkpointAt = Integer.parseInt(args[1]);
        int total = Integer.parseInt(args[2]);
        List<InternalRequest> entries = LeaseWorkload.entries(total);
        KvStore kv = KvStore.open(snap, new KvStoreOptions(0, 1000));
        kv.setLeaseStore(LeaseWorkload.lessor());
        LeaseWorkload.apply(kv, entries, 1, checkpointAt);
        kv.checkpoint();
        LeaseWorkload.apply(kv, entries, checkpointAt + 1, total);
        System.out.println("revision=" + kv.currentRevision());
        System.out.flush();
        Runtime.getRuntime().halt(3);
    }
}
