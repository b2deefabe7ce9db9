package io.vertcd.log;

import com.google.protobuf.ByteString;
import io.vertcd.raft.pb.Entry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Save throughput of the real log (fsync included), for comparing record formats; not part of the suite. Run:
 * {@code mvn -q -o -pl log -am test -Dtest=SaveThroughputBench -Dsurefire.failIfNoSpecifiedTests=false
 * -Dwal.bench=true}; prints {@code BENCH} lines.
 */
@EnabledIfSystemProperty(named = "wal.bench", matches = "true")
class SaveThroughputBench {
    @TempDir
    Path tmp;

    @Test
    void saves() throws Exception {
        for (int round = 0; round < 3; round++) {
            run("1 x 100 B", 1, 100, 20_000, round);
            run("16 x 1 KiB", 16, 1024, 2_000, round);
        }
    }

    private void run(String name, int perSave, int size, int saves, int round) throws Exception {
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (i * 31);
        }
        ByteString payload = ByteString.copyFrom(data);
        Semaphore inFlight = new Semaphore(256);
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve(name.replace(' ', '_') + round))) {
            long start = System.nanoTime();
            long index = 1;
            CompletableFuture<Void> last = null;
            for (int s = 0; s < saves; s++) {
                List<Entry> entries = new ArrayList<>(perSave);
                for (int i = 0; i < perSave; i++) {
                    entries.add(Entry.newBuilder().setIndex(index++).setTerm(1).setData(payload).build());
                }
                inFlight.acquire();
                last = wal.save(Records.hs(1, 1, index - 1), entries).whenComplete((v, e) -> inFlight.release());
            }
            last.get(120, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("BENCH %-10s round %d: %,.0f saves/s, %,.0f entries/s%n", name, round,
                    saves / seconds, (index - 1) / seconds);
        }
    }
}
