package io.vertcd.statemachine;

import static io.vertcd.statemachine.Reqs.del;
import static io.vertcd.statemachine.Reqs.get;
import static io.vertcd.statemachine.Reqs.put;
import static io.vertcd.statemachine.Reqs.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.etcd.jetcd.api.RangeRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Export of a store and its installation into a fresh directory, read back through KvStore.open. */
class StoreSnapshotsTest extends StoreFixture {
    @Test
    void installedSnapshotHasTheSameStateHistoryAndPosition() throws Exception {
        ok(put("a", "1"));
        ok(put("b", "2"));
        ok(put("a", "3"));
        ok(del("b", ""));
        ok(put("c", "4"));
        List<String> names = StoreSnapshots.export(kv, dir.resolve("out"));
        assertEquals(List.of(StoreSnapshots.MARKER_FILE, StoreSnapshots.EXPORT_FILE), names);

        long applied = StoreSnapshots.install(dir.resolve("out"), dir.resolve("installed"), options());
        assertEquals(kv.appliedIndex(), applied);
        try (KvStore copy = KvStore.open(dir.resolve("installed"), options())) {
            assertEquals(kv.appliedIndex(), copy.appliedIndex());
            assertEquals(kv.appliedTerm(), copy.appliedTerm());
            assertEquals(kv.currentRevision(), copy.currentRevision());
            RangeRequest all = range("\0", "\0");
            assertEquals(kv.range(all).getKvsList(), copy.range(all).getKvsList());
            // history too: "a" at revision 2 and the deleted "b" at revision 3
            RangeRequest old = get("a").toBuilder().setRevision(2).build();
            assertEquals("1", copy.range(old).getKvs(0).getValue().toStringUtf8());
            assertEquals("2", copy.range(get("b").toBuilder().setRevision(3).build()).getKvs(0).getValue().toStringUtf8());
            assertEquals(0, copy.range(get("b")).getCount());
            // and it keeps applying where the original left off
            ApplyResult r = copy.apply(kv.appliedIndex() + 1, 1, Reqs.wrap(kv.appliedIndex() + 1, put("d", "5")));
            assertNull(r.error());
            assertEquals(kv.currentRevision() + 1, copy.currentRevision());
        }
    }

    @Test
    void aDamagedSnapshotIsRefused() throws Exception {
        ok(put("a", "1"));
        StoreSnapshots.export(kv, dir.resolve("out"));
        Path export = dir.resolve("out").resolve(StoreSnapshots.EXPORT_FILE);
        byte[] bytes = Files.readAllBytes(export);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(export, bytes);
        assertThrows(IOException.class, () -> StoreSnapshots.install(dir.resolve("out"), dir.resolve("bad"), options()));

        Files.write(export, java.util.Arrays.copyOf(bytes, bytes.length - 7));
        assertThrows(IOException.class, () -> StoreSnapshots.install(dir.resolve("out"), dir.resolve("bad2"), options()));
    }
}
