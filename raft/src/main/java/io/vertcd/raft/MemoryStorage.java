package io.vertcd.raft;

import com.google.protobuf.ByteString;
import io.vertcd.raft.pb.ConfState;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.Snapshot;
import io.vertcd.raft.pb.SnapshotMetadata;

import java.util.ArrayList;
import java.util.List;

/**
 * An in-memory {@link Storage} (etcd raft {@code MemoryStorage}, raft/storage.go): used by tests and as the cache
 * in front of a durable log. Entry 0 of the internal list is a dummy standing for the snapshot (its index and term).
 *
 * <p>Methods are {@code synchronized} like etcd's mutex, because the application may write (from its I/O thread)
 * while the core reads; the lock is held only for list operations.
 */
public final class MemoryStorage implements Storage {
    private HardState hardState = HardState.getDefaultInstance();
    private Snapshot snapshot = Snapshot.newBuilder().setMetadata(SnapshotMetadata.getDefaultInstance()).build();
    /** ents.get(i) has Raft index ents.get(0).getIndex() + i. */
    private ArrayList<Entry> ents = new ArrayList<>();

    /** Creates an empty storage: no entries, no snapshot, empty hard state. */
    public MemoryStorage() {
        ents.add(Entry.getDefaultInstance());
    }

    @Override
    public synchronized InitialState initialState() {
        return new InitialState(hardState, snapshot.getMetadata().getConfState());
    }

    /** Saves the hard state (term, vote, commit). */
    public synchronized void setHardState(HardState hs) {
        this.hardState = hs;
    }

    @Override
    public synchronized List<Entry> entries(long lo, long hi, long maxSizeBytes) {
        long offset = ents.get(0).getIndex();
        if (lo <= offset) {
            throw new CompactedException();
        }
        if (hi > lastIndexLocked() + 1) {
            throw new UnavailableException();
        }
        if (lo >= hi) {
            return List.of();
        }
        return List.copyOf(Entries.limitSize(ents.subList((int) (lo - offset), (int) (hi - offset)), maxSizeBytes));
    }

    @Override
    public synchronized long term(long index) {
        long offset = ents.get(0).getIndex();
        if (index < offset) {
            throw new CompactedException();
        }
        if (index - offset >= ents.size()) {
            throw new UnavailableException();
        }
        return ents.get((int) (index - offset)).getTerm();
    }

    @Override
    public synchronized long lastIndex() {
        return lastIndexLocked();
    }

    private long lastIndexLocked() {
        return ents.get(0).getIndex() + ents.size() - 1;
    }

    @Override
    public synchronized long firstIndex() {
        return ents.get(0).getIndex() + 1;
    }

    @Override
    public synchronized Snapshot snapshot() {
        return snapshot;
    }

    /**
     * Replaces the storage contents with a snapshot received from the leader (all entries are discarded).
     *
     * @throws SnapshotOutOfDateException if {@code snap} is not newer than the current snapshot
     */
    public synchronized void applySnapshot(Snapshot snap) {
        long cur = snapshot.getMetadata().getIndex();
        long idx = snap.getMetadata().getIndex();
        if (cur >= idx) {
            throw new SnapshotOutOfDateException();
        }
        snapshot = snap;
        ents = new ArrayList<>();
        ents.add(Entry.newBuilder().setIndex(idx).setTerm(snap.getMetadata().getTerm()).build());
    }

    /**
     * Records a snapshot of the application state as of {@code index} (which must be applied); it is what the
     * leader sends to followers that fell behind the compacted log. Does not compact: call {@link #compact(long)}.
     *
     * @param index Raft index the data reflects, in ({@code snapshot index}, {@code lastIndex()}]
     * @param cs    membership as of {@code index}, or null to keep the previous one
     * @param data  serialized application state
     * @throws SnapshotOutOfDateException if {@code index} is not above the current snapshot index
     * @throws IllegalArgumentException   if {@code index > lastIndex()}
     */
    public synchronized Snapshot createSnapshot(long index, ConfState cs, ByteString data) {
        if (index <= snapshot.getMetadata().getIndex()) {
            throw new SnapshotOutOfDateException();
        }
        long offset = ents.get(0).getIndex();
        if (index > lastIndexLocked()) {
            throw new IllegalArgumentException("snapshot " + index + " is out of bound lastindex(" + lastIndexLocked() + ")");
        }
        SnapshotMetadata.Builder md = SnapshotMetadata.newBuilder()
                .setIndex(index)
                .setTerm(ents.get((int) (index - offset)).getTerm())
                .setConfState(cs != null ? cs : snapshot.getMetadata().getConfState());
        snapshot = Snapshot.newBuilder().setMetadata(md).setData(data).build();
        return snapshot;
    }

    /**
     * Discards the entries up to and including {@code compactIndex}; the entry at {@code compactIndex} becomes the
     * dummy. The application must not compact beyond its applied index.
     *
     * @throws CompactedException       if {@code compactIndex <=} the current first index - 1
     * @throws IllegalArgumentException if {@code compactIndex > lastIndex()}
     */
    public synchronized void compact(long compactIndex) {
        long offset = ents.get(0).getIndex();
        if (compactIndex <= offset) {
            throw new CompactedException();
        }
        if (compactIndex > lastIndexLocked()) {
            throw new IllegalArgumentException("compact " + compactIndex + " is out of bound lastindex(" + lastIndexLocked() + ")");
        }
        int i = (int) (compactIndex - offset);
        ArrayList<Entry> n = new ArrayList<>(ents.size() - i);
        n.add(Entry.newBuilder().setIndex(ents.get(i).getIndex()).setTerm(ents.get(i).getTerm()).build());
        n.addAll(ents.subList(i + 1, ents.size()));
        ents = n;
    }

    /**
     * Appends entries (contiguous, ascending indexes). Entries at or below the snapshot index are ignored; an
     * existing suffix starting at the first new index is replaced (a follower dropping a conflicting suffix).
     *
     * @throws IllegalArgumentException if the entries would leave a gap after {@code lastIndex()}
     */
    public synchronized void append(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        long first = ents.get(0).getIndex() + 1;
        long last = entries.get(0).getIndex() + entries.size() - 1;
        if (last < first) {
            return;
        }
        if (first > entries.get(0).getIndex()) {
            entries = entries.subList((int) (first - entries.get(0).getIndex()), entries.size());
        }
        long offset = entries.get(0).getIndex() - ents.get(0).getIndex();
        if (ents.size() > offset) {
            ents.subList((int) offset, ents.size()).clear();
            ents.addAll(entries);
        } else if (ents.size() == offset) {
            ents.addAll(entries);
        } else {
            throw new IllegalArgumentException("missing log entry [last: " + lastIndexLocked()
                    + ", append at: " + entries.get(0).getIndex() + "]");
        }
    }
}
