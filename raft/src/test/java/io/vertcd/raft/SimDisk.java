package io.vertcd.raft;

import io.vertcd.raft.node.LogWriter;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.SnapshotMetadata;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A simulated write-ahead log (the server's {@code WriteAheadLog}, etcd's WAL) behind the {@link LogWriter} the
 * {@code ReadyLoop} writes to. Writes queue up as pending; the simulation makes a prefix of them durable in a later
 * step ({@link #sync}), in issue order (group commit: completing one write completes every earlier one), and a crash
 * loses every pending write ({@link #crash}). What is durable survives crashes and is what a restart replays
 * ({@link #replay}), as the server's start-up replays its WAL: the latest snapshot mark, the latest hard state, and the
 * entries above the mark.
 *
 * <p>Durable records follow the WAL's rules: entries replace any suffix of the log from their first index on; a
 * snapshot mark does not remove the entries above it (replay returns them; the WAL keeps them too); marks never go
 * back, entries never land at or below the mark nor leave a gap — a write that breaks one of these fails, as the WAL
 * fails it. Each entry made durable is reported to the log-matching check with the term of its durable predecessor.
 */
final class SimDisk implements LogWriter {
    /** What the log holds at start-up. */
    record Replay(SnapshotMetadata mark, HardState hardState, List<Entry> entries) {
        boolean fresh() {
            return mark == null && entries.isEmpty() && hardState.equals(HardState.getDefaultInstance());
        }
    }

    private record Write(HardState hardState, List<Entry> entries, SnapshotMetadata mark, CompletableFuture<Void> done) {
    }

    private final long member;
    private final SimInvariants invariants;
    private final ArrayDeque<Write> pending = new ArrayDeque<>();
    private HardState hardState = HardState.getDefaultInstance();
    private final TreeMap<Long, Entry> entries = new TreeMap<>();
    private SnapshotMetadata mark;
    long writesLost;

    SimDisk(long member, SimInvariants invariants) {
        this.member = member;
        this.invariants = invariants;
    }

    @Override
    public CompletionStage<Void> save(HardState hs, List<Entry> ents) {
        Write w = new Write(hs, List.copyOf(ents), null, new CompletableFuture<>());
        pending.addLast(w);
        return w.done;
    }

    @Override
    public CompletionStage<Void> saveSnapshot(SnapshotMetadata meta) {
        Write w = new Write(null, List.of(), meta, new CompletableFuture<>());
        pending.addLast(w);
        return w.done;
    }

    /** @return how many writes wait for durability */
    int pendingWrites() {
        return pending.size();
    }

    /**
     * Makes the oldest {@code n} pending writes durable, then completes their stages in order (the loop's
     * continuations run here, and may issue new writes, which stay pending).
     */
    void sync(int n) {
        List<Runnable> completions = new ArrayList<>(n);
        for (int i = 0; i < n && !pending.isEmpty(); i++) {
            Write w = pending.pollFirst();
            RuntimeException refused = persist(w);
            completions.add(refused == null ? () -> w.done.complete(null) : () -> w.done.completeExceptionally(refused));
        }
        completions.forEach(Runnable::run);
    }

    /** Makes every pending write durable. */
    void syncAll() {
        while (!pending.isEmpty()) {
            sync(pending.size());
        }
    }

    /** The machine crashed: unsynced writes are gone; their stages never complete. */
    void crash() {
        writesLost += pending.size();
        pending.clear();
    }

    /** @return null once {@code w} is durable, or why the WAL refuses it (nothing of it is then durable) */
    private RuntimeException persist(Write w) {
        if (w.mark != null) {
            if (mark != null && w.mark.getIndex() < mark.getIndex()) {
                return new IllegalStateException("snapshot mark " + w.mark.getIndex() + " below the last one "
                        + mark.getIndex());
            }
            mark = w.mark;
            return null;
        }
        if (!w.entries.isEmpty()) {
            long first = w.entries.get(0).getIndex();
            long markIndex = mark == null ? 0 : mark.getIndex();
            long last = Math.max(markIndex, entries.isEmpty() ? 0 : entries.lastKey());
            if (first <= markIndex || first > last + 1) {
                return new IllegalStateException("entries from " + first + " do not follow the log (last " + last
                        + ", snapshot " + markIndex + ")");
            }
            entries.tailMap(first, true).clear();
            for (Entry e : w.entries) {
                invariants.onDurable(member, e, durableTerm(e.getIndex() - 1));
                entries.put(e.getIndex(), e);
            }
        }
        if (w.hardState != null) {
            hardState = w.hardState;
        }
        return null;
    }

    /** @return the durable term at {@code index}, or -1 if the durable log does not hold it */
    private long durableTerm(long index) {
        if (mark != null && index == mark.getIndex()) {
            return mark.getTerm();
        }
        if (index == 0) {
            return 0;
        }
        Entry e = entries.get(index);
        return e == null ? -1 : e.getTerm();
    }

    /** What a restart finds: the latest mark, hard state, and the entries above the mark. */
    Replay replay() {
        long markIndex = mark == null ? 0 : mark.getIndex();
        NavigableMap<Long, Entry> after = entries.tailMap(markIndex, false);
        return new Replay(mark, hardState, List.copyOf(after.values()));
    }
}
