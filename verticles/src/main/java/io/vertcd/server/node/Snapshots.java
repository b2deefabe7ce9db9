package io.vertcd.server.node;

import io.vertcd.raft.pb.Message;
import io.vertcd.server.cli.MemberIds;
import io.vertcd.server.peer.SnapshotFiles;
import io.vertcd.statemachine.DurableFiles;
import io.vertcd.statemachine.KvStore;
import io.vertcd.statemachine.StoreSnapshots;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Store snapshots between members. A follower that needs entries below the leader's compacted log gets a MsgSnap:
 * the leader pauses the store, exports it ({@link StoreSnapshots#export}: the state at the store's applied index, at
 * or above the Raft snapshot's index) into {@code member/snap-out/<peer>-<index>}, which stays unchanged until the
 * transport reports the outcome and is then deleted. The follower builds a store from the received files in
 * {@code member/snap.new}, closes its store, swaps the directories ({@code snap} to {@code snap.old}, {@code snap.new}
 * to {@code snap}, both renames fsynced; a start-up finding {@code snap.old} without {@code snap} moves it back),
 * reopens it, then steps the MsgSnap into the core (etcd applySnapshot, server.go). The Ready that carries the Raft
 * snapshot then records it in the WAL ({@link io.vertcd.raft.node.ReadyLoop}).
 */
final class Snapshots {
    private static final Logger LOG = LoggerFactory.getLogger(Snapshots.class);

    private final NodeState state;
    private final StorePause pause;
    private final Peers peers;
    private final MemberTable table;
    private final StoreFactory stores;
    private final Consumer<Throwable> fatal;
    /** Exported snapshots being streamed, by recipient; deleted when the transport reports the outcome. */
    private final Map<Long, Path> outgoing = new HashMap<>();

    /** What a finished install hands back to the driver: the new store (null when it was not ahead) and members. */
    private record Installed(KvStore store, Membership membership) {
        static final Installed NOT_AHEAD = new Installed(null, null);
    }

    Snapshots(NodeState state, StorePause pause, Peers peers, MemberTable table, StoreFactory stores,
              Consumer<Throwable> fatal) {
        this.state = state;
        this.pause = pause;
        this.peers = peers;
        this.table = table;
        this.stores = stores;
        this.fatal = fatal;
    }

    /** @return where received snapshots land: {@code member/snap-in} */
    Path incomingDir() {
        return memberDir().resolve("snap-in");
    }

    private Path outgoingDir() {
        return memberDir().resolve("snap-out");
    }

    private Path memberDir() {
        return state.config.dataDir().resolve("member");
    }

    /** SnapshotSource: exports the store for the MsgSnap's recipient (transport context = driver context). */
    Future<SnapshotFiles> export(Message m) {
        long to = m.getTo();
        Path out = outgoingDir().resolve(MemberIds.toHex(to) + "-" + m.getSnapshot().getMetadata().getIndex());
        Promise<SnapshotFiles> result = Promise.promise();
        pause.withStoreExclusive(() -> {
            KvStore kv = state.kvStore; // paused: the driver does not touch them until this ends
            Membership members = state.membership.copy();
            if (Files.exists(out)) {
                deleteTree(out);
            }
            long startNs = System.nanoTime();
            List<String> names = new ArrayList<>(StoreSnapshots.export(kv, out));
            members.write(out.resolve(Membership.FILE_NAME));
            names.add(Membership.FILE_NAME);
            LOG.info("exported the key-value store for member {} (Raft snapshot index {}, store applied index {}) in {} ms",
                    MemberIds.toHex(to), m.getSnapshot().getMetadata().getIndex(), kv.appliedIndex(),
                    (System.nanoTime() - startNs) / 1_000_000);
            return new SnapshotFiles(out, names);
        }, (files, err) -> {
            if (err != null) {
                result.fail(err);
                deleteLater(out);
            } else {
                Path previous = outgoing.put(to, out);
                if (previous != null && !previous.equals(out)) {
                    deleteLater(previous);
                }
                result.complete(files);
            }
        });
        return result.future();
    }

    /**
     * The transport reported a snapshot's outcome. After a success its files go. A failure may be the transport
     * refusing a second snapshot while the first still streams, so the files stay; the next export to that member,
     * or the next start, deletes them.
     */
    void onReported(long to, boolean success) {
        if (success) {
            Path out = outgoing.remove(to);
            if (out != null) {
                deleteLater(out);
            }
        }
        state.rawNode.reportSnapshot(to, !success);
    }

    /** SnapshotReceiver: installs a received store snapshot, then steps the MsgSnap (driver context). */
    void onReceived(Message m, Path dir) {
        long index = m.getSnapshot().getMetadata().getIndex();
        if (!state.running()) {
            deleteLater(dir);
            return;
        }
        if (index <= state.loop.committedIndex()) {
            deleteLater(dir); // Raft ignores it and answers with its own commit index
            peers.step(m);
            state.kick();
            return;
        }
        pause.withStoreExclusive(() -> install(m, dir, state.kvStore), (installed, err) -> {
            if (err == null) {
                if (installed.store() != null) {
                    adopt(installed);
                }
                peers.step(m);
                state.kick();
            } else if (err instanceof SwapFailed) {
                fatal.accept(new IOException("installing the snapshot at index " + index + " failed", err.getCause()));
            } else {
                LOG.warn("refused a snapshot at index {} from {}: {}", index, MemberIds.toHex(m.getFrom()), err.toString());
                deleteLater(dir);
            }
        });
    }

    /** A failure after the current store was closed: no usable store is open any more. */
    private static final class SwapFailed extends IOException {
        SwapFailed(Throwable cause) {
            super(cause);
        }
    }

    /** Worker thread, store paused: builds the received store, swaps it in for {@code current}, reopens it. */
    private Installed install(Message m, Path dir, KvStore current) throws IOException {
        Path memberDir = memberDir();
        Path fresh = memberDir.resolve("snap.new");
        Path old = memberDir.resolve("snap.old");
        if (Files.exists(fresh)) {
            deleteTree(fresh);
        }
        long startNs = System.nanoTime();
        long storeApplied = StoreSnapshots.install(dir, fresh, stores.options());
        if (storeApplied <= current.appliedIndex()) {
            // This member applied at least as far meanwhile (the install waited for the loop to pause, and Raft
            // decided on a commit index that lags the applied one): going back would lose the entries between,
            // which Raft does not hand out again (found by the simulation, seed 13508). The MsgSnap still goes to
            // Raft; the store already holds what it stands for.
            LOG.info("a received store snapshot (store applied index {}) is not ahead of this store (applied index {}):"
                    + " keeping this one", storeApplied, current.appliedIndex());
            deleteTree(fresh);
            deleteTree(dir);
            return Installed.NOT_AHEAD;
        }
        try {
            current.close();
            if (Files.exists(old)) {
                deleteTree(old);
            }
            Files.move(state.config.snapDir(), old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(fresh, state.config.snapDir(), StandardCopyOption.ATOMIC_MOVE);
            DurableFiles.syncDir(memberDir);
            deleteTree(old);
            Membership received = Membership.read(dir.resolve(Membership.FILE_NAME));
            if (received != null) {
                received.write(memberDir.resolve(Membership.FILE_NAME));
            }
            deleteTree(dir);
            KvStore reopened = KvStore.open(state.config.snapDir(), stores.options());
            LOG.info("installed a key-value store snapshot from member {} (Raft snapshot index {}, store applied index {})"
                    + " in {} ms", MemberIds.toHex(m.getFrom()), m.getSnapshot().getMetadata().getIndex(), storeApplied,
                    (System.nanoTime() - startNs) / 1_000_000);
            return new Installed(reopened, received);
        } catch (IOException | RuntimeException e) {
            throw new SwapFailed(e);
        }
    }

    /** Driver: the installed store replaces the old one; leases and watches move onto it. */
    private void adopt(Installed installed) {
        KvStore store = installed.store();
        state.adoptStore(store);
        // The leases belong to the store they were plugged into: start them again on the installed one.
        // Open watch streams move with the hub and catch up from it.
        state.lessor = stores.newLessor(store);
        if (state.role == io.vertcd.raft.StateRole.LEADER) {
            state.lessor.promote((long) state.config.electionTicks() * state.config.heartbeatIntervalMs());
        }
        if (state.watches != null) {
            state.watches.restore(store);
        }
        state.snapshotsInstalled++;
        if (installed.membership() != null) {
            table.replace(installed.membership());
        }
    }

    private void deleteLater(Path dir) {
        state.vertx.executeBlocking(() -> {
            if (Files.exists(dir)) {
                deleteTree(dir);
            }
            return null;
        }, false).onFailure(e -> LOG.warn("could not delete {}", dir, e));
    }

    /**
     * Finishes or undoes a snapshot swap a crash interrupted: {@code snap.old} without {@code snap} goes back;
     * leftovers of {@code snap.new}, {@code snap.old}, outgoing and incoming snapshots and backups are deleted. Start-up,
     * worker thread.
     */
    void recoverSwap() throws IOException {
        Path memberDir = memberDir();
        Path old = memberDir.resolve("snap.old");
        if (Files.exists(old) && !Files.exists(state.config.snapDir())) {
            LOG.warn("an interrupted snapshot installation left {}: moving it back", old);
            Files.move(old, state.config.snapDir(), StandardCopyOption.ATOMIC_MOVE);
            DurableFiles.syncDir(memberDir);
        }
        for (Path p : List.of(old, memberDir.resolve("snap.new"), outgoingDir(), incomingDir(), memberDir.resolve(Backups.DIR))) {
            if (Files.exists(p)) {
                deleteTree(p);
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
