package io.vertcd.server.node;

import io.etcd.jetcd.api.Member;
import io.vertcd.server.cli.Versions;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.EtcdMember;
import io.vertcd.statemachine.EtcdSnapshotWriter;
import io.vertcd.statemachine.KvStore;
import io.vertcd.statemachine.StoreSnapshots;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backups for Maintenance.Snapshot (etcd maintenanceServer.Snapshot streams its backend's bbolt file): a
 * point-in-time copy of the store at its current revision, as an etcd 3.4 backend file.
 *
 * <ol>
 *   <li>the store is paused ({@link StorePause#withStoreExclusive}, behind any running checkpoint or export) while a
 *       worker thread checkpoints it and copies its revisions, leases and alarms into
 *       {@code member/backup/<n>/export} ({@link StoreSnapshots#export}); the member table is copied too;</li>
 *   <li>the store runs again; another worker thread sorts the copy into {@code member/backup/<n>/db}
 *       ({@link EtcdSnapshotWriter}) and deletes the copy.</li>
 * </ol>
 * The caller streams {@code db} and deletes its directory ({@link #release}). At most {@value #MAX_RUNNING} backups
 * exist at once; one more fails with {@code etcdserver: too many requests}. A start-up deletes leftovers
 * ({@link Snapshots#recoverSwap}).
 */
public final class Backups {
    /** Directory of backups under {@code member/}. */
    static final String DIR = "backup";
    /** Backups that may exist at once (each is a copy of the store on disk). */
    static final int MAX_RUNNING = 4;
    private static final Logger LOG = LoggerFactory.getLogger(Backups.class);

    private final NodeState state;
    private final StorePause pause;
    private long sequence;
    private int running;

    Backups(NodeState state, StorePause pause) {
        this.state = state;
        this.pause = pause;
    }

    /**
     * Takes a backup. Any thread.
     *
     * @return the backup file (an etcd bbolt database, without the sha256 trailer); fails with TOO_MANY_REQUESTS
     *     beyond {@value #MAX_RUNNING} backups, STOPPED when the member stops first, or the I/O failure
     */
    public Future<Path> save() {
        Promise<Path> result = Promise.promise();
        state.context.runOnContext(v -> {
            if (state.stopped || state.loop == null) {
                result.fail(EtcdError.STOPPED.exception());
                return;
            }
            if (running >= MAX_RUNNING) {
                result.fail(EtcdError.TOO_MANY_REQUESTS.exception());
                return;
            }
            running++;
            Path dir = state.config.dataDir().resolve("member").resolve(DIR).resolve(Long.toString(++sequence));
            Path export = dir.resolve("export");
            long startNs = System.nanoTime();
            pause.withStoreExclusive(() -> {
                KvStore kv = state.kvStore;
                List<EtcdMember> members = state.membership.members().stream().map(Backups::etcdMember).toList();
                if (Files.exists(dir)) {
                    Snapshots.deleteTree(dir);
                }
                StoreSnapshots.export(kv, export);
                return members;
            }, (members, err) -> {
                if (err != null) {
                    failed(dir, result, err);
                    return;
                }
                long pausedMs = (System.nanoTime() - startNs) / 1_000_000;
                state.vertx.executeBlocking(() -> {
                    Path db = dir.resolve("db");
                    long size = EtcdSnapshotWriter.write(export, members, Versions.ETCD_CLUSTER_VERSION, db);
                    Snapshots.deleteTree(export);
                    LOG.info("backup {} written: {} bytes (store paused {} ms, {} ms in all)", dir, size, pausedMs,
                            (System.nanoTime() - startNs) / 1_000_000);
                    return db;
                }, false).onComplete(ar -> {
                    if (ar.failed()) {
                        failed(dir, result, ar.cause());
                    } else {
                        result.complete(ar.result());
                    }
                });
            });
        });
        return result.future();
    }

    private void failed(Path dir, Promise<Path> result, Throwable err) {
        LOG.warn("backup {} failed", dir, err);
        result.fail(err);
        release(dir.resolve("db"));
    }

    /** Deletes a backup's directory once it is sent or abandoned. Any thread; the deletion runs on a worker. */
    public void release(Path db) {
        state.vertx.executeBlocking(() -> {
            if (Files.exists(db.getParent())) {
                Snapshots.deleteTree(db.getParent());
            }
            return null;
        }, false).onComplete(ar -> {
            if (ar.failed()) {
                LOG.warn("could not delete backup {}", db.getParent(), ar.cause());
            }
            state.context.runOnContext(v -> running--);
        });
    }

    private static EtcdMember etcdMember(Member m) {
        return new EtcdMember(m.getID(), m.getName(), m.getPeerURLsList(), m.getClientURLsList(), m.getIsLearner());
    }
}
