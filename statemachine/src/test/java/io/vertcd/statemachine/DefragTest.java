package io.vertcd.statemachine;

import static io.vertcd.statemachine.Reqs.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.api.RangeResponse;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** dbSize on disk, and the online defragmentation's copy and swap. */
class DefragTest extends StoreFixture {
    private static final String VALUE = "v".repeat(1000);

    @Override
    KvStoreOptions options() {
        return new KvStoreOptions(0, 1_000_000); // the server's sizing: a large sparse file
    }

    @Test
    void anEmptyStoreTakes20480BytesAsEtcdReports() {
        kv.refreshDiskBytes();
        assertEquals(20480, kv.dbSizeBytes());
        assertEquals(0, kv.dbSizeInUseBytes());
    }

    @Test
    void compactionFreesSpaceInsideTheFileAndDefragGivesItBack() throws Exception {
        for (int i = 0; i < 20_000; i++) {
            ok(put("k" + (i % 50), VALUE + i));
        }
        ok(Reqs.compact(index + 1, kv.currentRevision()));
        kv.checkpoint();
        kv.refreshDiskBytes();
        long before = kv.dbSizeBytes();
        long inUse = kv.dbSizeInUseBytes();
        assertTrue(before > 20_000_000L, "20,000 puts of 1 KB stay on disk after compaction: " + before);
        assertTrue(inUse < 100_000, "50 live keys: " + inUse);
        KvStore.DefragCopy copy = kv.defragCopy();
        for (int i = 0; i < 10; i++) { // written while the copy ran: carried over by the swap
            ok(put("during" + i, "x"));
        }
        long hashBefore = kv.hashByRev(0).hash();
        long hashAllBefore = kv.hash().hash();
        kv.defragSwap(copy).close();
        kv.refreshDiskBytes();
        long after = kv.dbSizeBytes();
        assertTrue(after < 2_000_000, "after defrag the file holds about the live data: " + after + " (before " + before + ")");
        assertFalse(Files.exists(dir.resolve("snap").resolve(KvStore.DEFRAG_FILE)));
        assertEquals(hashBefore, kv.hashByRev(0).hash());
        assertEquals(hashAllBefore, kv.hash().hash());
        RangeResponse r = kv.range(Reqs.get("during9"));
        assertEquals("x", r.getKvs(0).getValue().toStringUtf8());
        assertEquals(VALUE + "19999", kv.range(Reqs.get("k49")).getKvs(0).getValue().toStringUtf8());

        // the new file is the store from now on: writes, checkpoint and reopen
        ok(put("k0", "new"));
        long hashNow = kv.hashByRev(0).hash();
        kv.close();
        kv = KvStore.open(dir.resolve("snap"), options());
        assertEquals(hashNow, kv.hashByRev(0).hash());
        assertEquals("new", kv.range(Reqs.get("k0")).getKvs(0).getValue().toStringUtf8());
    }
}
