package io.vertcd.raft;

import com.google.protobuf.ByteString;
import io.vertcd.raft.pb.ConfState;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.Snapshot;
import io.vertcd.raft.pb.SnapshotMetadata;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link MemoryStorage}: etcd storage_test.go's cases. */
class MemoryStorageTest {

    private static Entry e(long index, long term) {
        return Entry.newBuilder().setIndex(index).setTerm(term).build();
    }

    private static List<Long> terms(MemoryStorage s) {
        List<Long> t = new ArrayList<>();
        for (long i = s.firstIndex(); i <= s.lastIndex(); i++) {
            t.add(s.term(i));
        }
        return t;
    }

    /** Entries 3, 4, 5 of terms 3, 4, 5 after a snapshot at (3, 3). */
    private static MemoryStorage s345() {
        MemoryStorage s = new MemoryStorage();
        s.applySnapshot(Snapshot.newBuilder().setMetadata(SnapshotMetadata.newBuilder().setIndex(3).setTerm(3)).build());
        s.append(List.of(e(4, 4), e(5, 5)));
        return s;
    }

    @Test
    void termAndBounds() {
        MemoryStorage s = s345();
        assertEquals(4, s.firstIndex());
        assertEquals(5, s.lastIndex());
        assertEquals(3, s.term(3));
        assertEquals(5, s.term(5));
        assertThrows(CompactedException.class, () -> s.term(2));
        assertThrows(UnavailableException.class, () -> s.term(6));
    }

    @Test
    void entriesRespectBoundsAndSizeLimit() {
        MemoryStorage s = s345();
        s.append(List.of(e(6, 6)));
        assertThrows(CompactedException.class, () -> s.entries(3, 5, Long.MAX_VALUE));
        assertThrows(UnavailableException.class, () -> s.entries(4, 8, Long.MAX_VALUE));
        assertEquals(List.of(e(4, 4), e(5, 5)), s.entries(4, 6, Long.MAX_VALUE));
        assertEquals(List.of(e(4, 4)), s.entries(4, 7, 0), "at least one entry");
        long two = e(4, 4).getSerializedSize() + e(5, 5).getSerializedSize();
        assertEquals(List.of(e(4, 4), e(5, 5)), s.entries(4, 7, two));
    }

    @Test
    void appendReplacesConflictingSuffixAndIgnoresCompacted() {
        MemoryStorage s = s345();
        s.append(List.of(e(2, 2), e(3, 3), e(4, 6)));
        assertEquals(List.of(6L), terms(s));
        s.append(List.of(e(5, 6), e(6, 6)));
        assertEquals(List.of(6L, 6L, 6L), terms(s));
        s.append(List.of(e(5, 7)));
        assertEquals(List.of(6L, 7L), terms(s));
        assertThrows(IllegalArgumentException.class, () -> s.append(List.of(e(9, 7))));
    }

    @Test
    void compactKeepsTheDummyEntry() {
        MemoryStorage s = s345();
        assertThrows(CompactedException.class, () -> s.compact(3));
        s.compact(4);
        assertEquals(5, s.firstIndex());
        assertEquals(4, s.term(4));
        assertThrows(IllegalArgumentException.class, () -> s.compact(6));
    }

    @Test
    void createAndApplySnapshot() {
        MemoryStorage s = s345();
        ConfState cs = ConfState.newBuilder().addVoters(1).addVoters(2).build();
        Snapshot snap = s.createSnapshot(4, cs, ByteString.copyFromUtf8("data"));
        assertEquals(4, snap.getMetadata().getIndex());
        assertEquals(4, snap.getMetadata().getTerm());
        assertEquals(cs, s.initialState().confState());
        assertThrows(SnapshotOutOfDateException.class, () -> s.createSnapshot(3, cs, ByteString.EMPTY));

        MemoryStorage other = new MemoryStorage();
        other.applySnapshot(snap);
        assertEquals(5, other.firstIndex());
        assertEquals(4, other.lastIndex());
        assertEquals(4, other.term(4));
        assertThrows(SnapshotOutOfDateException.class, () -> other.applySnapshot(snap));
    }
}
