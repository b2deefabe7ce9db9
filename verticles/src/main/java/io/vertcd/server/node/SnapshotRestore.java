package io.vertcd.server.node;

import io.vertcd.log.WriteAheadLog;
import io.vertcd.raft.pb.ConfState;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.SnapshotMetadata;
import io.vertcd.server.cli.ClusterMember;
import io.vertcd.server.cli.ServerConfig;
import io.vertcd.statemachine.EtcdSnapshotFile;
import io.vertcd.statemachine.EtcdSnapshotRestore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;

/**
 * {@code vertcd snapshot restore}: builds a member's data directory for a new cluster from an etcd snapshot file
 * (saved from etcd or from vertcd), as {@code etcdctl snapshot restore} does for etcd (clientv3/snapshot
 * v3Manager.Restore): the snapshot's sha256 is checked unless skipped; the store gets every revision, the compaction,
 * the leases and alarms of the file; the old membership is dropped and the member and cluster IDs are new ones, from
 * {@code --initial-cluster} and {@code --initial-cluster-token}. As etcd's, the new cluster starts at Raft index
 * N = the number of members, term 1: the store's applied index is N, the WAL holds a SNAPSHOT_MARK at (N, 1) with every
 * member a voter and a hard state (term 1, commit N), and the member table and identity files are written. Every
 * member of the new cluster is restored from the same file the same way, then started.
 *
 * <p>Blocking I/O; runs in the CLI before any server starts. On failure the partly written data directory is
 * deleted.
 */
public final class SnapshotRestore {
    private SnapshotRestore() {
    }

    /**
     * What the restore built.
     *
     * @param restored what the store holds
     * @param memberId the new member ID
     * @param clusterId the new cluster ID
     * @param index the Raft index (and applied index) the member starts at
     */
    public record Result(EtcdSnapshotRestore.Restored restored, long memberId, long clusterId, long index) {}

    /**
     * Restores {@code snapshot} into {@code config.dataDir()}.
     *
     * @throws IOException {@code data-dir "<dir>" exists} (etcd 3.4 refuses an existing data directory), the
     *     sha256 check's errors ({@link EtcdSnapshotFile#verify}), a damaged file, or any I/O failure
     */
    public static Result restore(ServerConfig config, Path snapshot, boolean skipHashCheck) throws IOException {
        Path dataDir = config.dataDir();
        if (Files.exists(dataDir)) {
            throw new IOException("data-dir \"" + dataDir + "\" exists");
        }
        if (!config.walDir().startsWith(dataDir) && Files.exists(config.walDir())) {
            throw new IOException("wal-dir \"" + config.walDir() + "\" exists");
        }
        if (!Files.exists(snapshot)) {
            throw new IOException("stat " + snapshot + ": no such file or directory");
        }
        EtcdSnapshotFile.verify(snapshot, skipHashCheck);
        long index = config.initialCluster().size();
        try {
            Path memberDir = dataDir.resolve("member");
            Files.createDirectories(memberDir);
            EtcdSnapshotRestore.Restored restored = EtcdSnapshotRestore.restore(snapshot, config.snapDir(),
                    new StoreFactory(config).options(), index, 1);
            Membership.initial(config.initialCluster()).write(memberDir.resolve(Membership.FILE_NAME));
            ConfState.Builder conf = ConfState.newBuilder();
            config.initialCluster().stream().map(ClusterMember::id).forEach(conf::addVoters);
            Files.createDirectories(config.walDir());
            try (WriteAheadLog wal = WriteAheadLog.open(config.walDir())) {
                wal.saveSnapshot(SnapshotMetadata.newBuilder().setIndex(index).setTerm(1).setConfState(conf).build()).get();
                wal.save(HardState.newBuilder().setTerm(1).setCommit(index).build(), java.util.List.of()).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            } catch (ExecutionException e) {
                throw new IOException("writing the write-ahead log failed: " + e.getCause().getMessage(), e.getCause());
            }
            new MemberIdentity(config.memberId(), config.clusterId()).store(memberDir);
            return new Result(restored, config.memberId(), config.clusterId(), index);
        } catch (IOException | RuntimeException e) {
            if (Files.exists(dataDir)) {
                Snapshots.deleteTree(dataDir);
            }
            if (Files.exists(config.walDir())) {
                Snapshots.deleteTree(config.walDir());
            }
            throw e;
        }
    }
}
