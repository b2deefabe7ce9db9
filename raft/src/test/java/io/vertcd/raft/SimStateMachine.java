package io.vertcd.raft;

import com.google.protobuf.ByteString;
import io.vertcd.raft.node.EntryApplier;
import io.vertcd.raft.pb.ConfChange;
import io.vertcd.raft.pb.ConfState;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.Snapshot;
import io.vertcd.raft.pb.SnapshotMetadata;

import java.nio.ByteBuffer;
import java.util.function.LongSupplier;

/**
 * A simulated replicated state machine (the server's {@code KvStore}) as the {@code ReadyLoop}'s {@link EntryApplier}:
 * its state is a hash chain over the entries it applied, so two members agree on an index only if they applied the
 * same entries in the same order. Every entry the core hands out, and every state reached, goes to the
 * state-machine-safety checks.
 *
 * <p>Like the {@code KvStore} it has its own durable checkpoint (index and hash), taken by the member's checkpoint
 * ({@link #checkpoint}) or replaced by an installed snapshot ({@link #install}); a crash loses the rest, and a restart
 * comes back at the checkpoint ({@link #restart}). Because the log is replayed from its snapshot mark, which may be
 * below the checkpoint, entries at or below the applied index are skipped, as the store skips them.
 */
final class SimStateMachine implements EntryApplier {
    private final long member;
    private final SimInvariants invariants;
    private final LongSupplier term;
    private long applied;
    private long hash;
    private long checkpointIndex;
    private long checkpointHash;
    long skipped;
    long staleInstalls;

    /**
     * @param term the member's current term, recorded with each committed entry (for leader completeness)
     */
    SimStateMachine(long member, SimInvariants invariants, LongSupplier term) {
        this.member = member;
        this.invariants = invariants;
        this.term = term;
    }

    long applied() {
        return applied;
    }

    long checkpointIndex() {
        return checkpointIndex;
    }

    @Override
    public void apply(Entry entry) {
        applyEntry(entry);
    }

    @Override
    public void applyConfChange(Entry entry, ConfChange change, ConfState after) {
        applyEntry(entry);
    }

    private void applyEntry(Entry e) {
        invariants.onCommitted(member, e, term.getAsLong());
        if (e.getIndex() <= applied) {
            skipped++; // the checkpoint or an installed snapshot already holds it
            return;
        }
        if (e.getIndex() != applied + 1) {
            throw invariants.fail("member " + member + " applies " + e.getIndex() + " after " + applied);
        }
        applied = e.getIndex();
        hash = hash * 1_000_003L + e.getIndex() * 31 + e.getData().hashCode();
        invariants.onState(member, applied, hash);
    }

    @Override
    public void checkSnapshot(SnapshotMetadata meta) {
        if (applied < meta.getIndex()) {
            throw new IllegalStateException("Raft installs a snapshot at index " + meta.getIndex()
                    + " but the state machine of member " + member + " has applied only through " + applied);
        }
    }

    @Override
    public void applySnapshot(Snapshot snapshot) {
        // installed before the core saw its MsgSnap (checkSnapshot held): nothing to load
    }

    /** Makes the current state the durable checkpoint (the store's checkpoint on the worker thread). */
    void checkpoint() {
        checkpointIndex = applied;
        checkpointHash = hash;
    }

    /** @return the current state as a snapshot's data, as the sender exports its store: index, then hash */
    ByteString export() {
        return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(0, applied).putLong(8, hash));
    }

    /** @return the applied index a snapshot's data stands for */
    static long indexOf(ByteString data) {
        return data.asReadOnlyByteBuffer().getLong(0);
    }

    /**
     * Replaces the state with a received snapshot's data, durably (it becomes the checkpoint), as the server swaps in
     * the received store — unless the data is not ahead of the current state: then the state stays (counted in
     * {@link #staleInstalls}). Raft only restores a snapshot above its commit index, but the member may have
     * applied beyond the snapshot's data meanwhile (the install waited for the loop to pause; the server decides on
     * the durable commit index, which lags the core's); going back would lose the entries between, which the core
     * does not hand out again. The server's {@code Snapshots.install} keeps its store likewise (found with seed 13508:
     * "member 1 applies 18 after 16").
     *
     * @return true if the state was replaced
     */
    boolean install(ByteString data) {
        ByteBuffer b = data.asReadOnlyByteBuffer();
        long index = b.getLong(0);
        long h = b.getLong(8);
        invariants.onState(member, index, h);
        if (index <= applied) {
            staleInstalls++;
            return false;
        }
        applied = index;
        hash = h;
        checkpoint();
        return true;
    }

    /** After a crash: the state is the durable checkpoint. */
    void restart() {
        applied = checkpointIndex;
        hash = checkpointHash;
    }
}
