package io.vertcd.raft;

import io.vertcd.raft.node.LogWriter;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.SnapshotMetadata;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A deliberately broken {@link LogWriter} for {@code -Dsim.break=ack-before-durable} and
 * {@code SimulationTest.ackBeforeDurableIsCaught}: it reports every {@link #save} durable at once while the write
 * actually stays pending on the {@link SimDisk} (so a crash still loses it).
 *
 * <p>It breaks the rule that nothing is acknowledged on the strength of a write that could still be lost (Raft thesis
 * §3.8 / §10.2.1; the {@code ReadyLoop}'s rule 2): the loop believes the Ready durable, so it sends the messages that
 * must wait for durability — a follower's MsgAppResp for entries it could lose, a vote for a term/vote it could forget
 * — and the leader counts them towards a quorum. After crashes, an entry the leader committed can vanish from the
 * quorum that acknowledged it, and a member can vote twice in one term. The simulation's safety checks must notice.
 */
final class AckBeforeDurableDisk implements LogWriter {
    private final SimDisk disk;

    AckBeforeDurableDisk(SimDisk disk) {
        this.disk = disk;
    }

    @Override
    public CompletionStage<Void> save(HardState hardState, List<Entry> entries) {
        disk.save(hardState, entries); // still pending on the disk: lost in a crash
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> saveSnapshot(SnapshotMetadata meta) {
        return disk.saveSnapshot(meta);
    }
}
