package io.vertcd.statemachine;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Role;
import io.etcd.jetcd.api.User;
import io.vertcd.statemachine.pb.AuthSnapshot;
import java.util.Comparator;

import io.etcd.jetcd.api.AlarmMember;
import io.vertcd.statemachine.bbolt.BoltWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Turns a store export ({@link StoreSnapshots#export}: a consistent copy of a {@link KvStore} taken while it was
 * paused) into an etcd 3.4 backend file: a bbolt database with etcd's buckets, so {@code etcdctl snapshot status}
 * reads it and {@code etcdctl snapshot restore} plus etcd 3.4 start from it.
 *
 * <ul>
 *   <li>{@code key}: every stored revision, {@code {main '_' sub}} (+ {@code 't'} for a tombstone) to the
 *       mvccpb.KeyValue bytes, in revision order;</li>
 *   <li>{@code meta}: {@code consistent_index} = the store's applied Raft index; after a compaction,
 *       {@code finishedCompactRev} and {@code scheduledCompactRev} = the compacted revision;</li>
 *   <li>{@code lease}: 8-byte big-endian ID to leasepb.Lease; {@code alarm}: the marshalled AlarmMember to an empty
 *       value; {@code members}: the member table as etcd stores it; {@code members_removed}: empty;
 *       {@code cluster}: {@code clusterVersion};</li>
 *   <li>{@code auth}: {@code authEnabled} = 1 when auth is enabled (absent otherwise), {@code authRevision} (8-byte
 *       big-endian); {@code authUsers}, {@code authRoles}: name to the marshalled authpb.User (bcrypt hash as etcd
 *       stores it) / authpb.Role, from the auth store's checkpoint section.</li>
 * </ul>
 *
 * <p>Blocking I/O, O(revisions log revisions) to sort them, 24 bytes of heap per revision: a worker thread's job,
 * with the store running (the export is a separate file).
 */
public final class EtcdSnapshotWriter {
    /** etcd auth/store.go enableFlagKey. */
    private static final byte[] AUTH_ENABLED = "authEnabled".getBytes(StandardCharsets.US_ASCII);
    private static final Comparator<Role> BY_ROLE_NAME = Comparator.comparing(Role::getName,
            ByteString.unsignedLexicographicalComparator());
    private static final Comparator<User> BY_USER_NAME = Comparator.comparing(User::getName,
            ByteString.unsignedLexicographicalComparator());

    private EtcdSnapshotWriter() {
    }

    /**
     * Writes the backend file.
     *
     * @param exportDir an export from {@link StoreSnapshots#export}
     * @param members the member table at the time of the export
     * @param clusterVersion the cluster version to record (e.g. {@code 3.4.0})
     * @param out the bbolt file to create (replaced if present)
     * @return the file's size in bytes
     * @throws IOException if the export is damaged or on any I/O failure
     */
    public static long write(Path exportDir, List<EtcdMember> members, String clusterVersion, Path out)
            throws IOException {
        CheckpointMarker marker = CheckpointMarker.read(exportDir);
        if (marker == null) {
            throw new IOException("no store export in " + exportDir);
        }
        Revisions revs = new Revisions();
        StoreSnapshots.scanExport(exportDir, (main, sub, offset, value) ->
                revs.add(main, sub, offset, value.length, RevisionStore.isTombstone(value)));
        Integer[] order = revs.order();
        try (BoltWriter w = BoltWriter.create(out);
             FileChannel export = FileChannel.open(exportDir.resolve(StoreSnapshots.EXPORT_FILE), StandardOpenOption.READ)) {
            w.beginBucket(EtcdBackend.ALARM);
            List<byte[]> alarms = marker.alarms().stream().map(AlarmMember::toByteArray)
                    .sorted(Arrays::compareUnsigned).toList();
            for (byte[] a : alarms) {
                w.put(a, new byte[0]);
            }
            w.endBucket();
            AuthSnapshot auth = marker.auth();
            w.beginBucket(EtcdBackend.AUTH);
            if (auth.getEnabled()) {
                w.put(AUTH_ENABLED, new byte[] {1});
            }
            w.put(EtcdBackend.AUTH_REVISION, EtcdBackend.u64(Math.max(1, auth.getRevision())));
            w.endBucket();
            w.beginBucket(EtcdBackend.AUTH_ROLES);
            for (Role role : auth.getRolesList().stream().sorted(BY_ROLE_NAME).toList()) {
                w.put(role.getName().toByteArray(), role.toByteArray());
            }
            w.endBucket();
            w.beginBucket(EtcdBackend.AUTH_USERS);
            for (User user : auth.getUsersList().stream().sorted(BY_USER_NAME).toList()) {
                w.put(user.getName().toByteArray(), user.toByteArray());
            }
            w.endBucket();
            w.beginBucket(EtcdBackend.CLUSTER);
            w.put(EtcdBackend.CLUSTER_VERSION, clusterVersion.getBytes(StandardCharsets.UTF_8));
            w.endBucket();
            w.beginBucket(EtcdBackend.KEY);
            for (Integer i : order) {
                byte[] raw = new byte[revs.length[i]];
                ByteBuffer b = ByteBuffer.wrap(raw);
                while (b.hasRemaining()) {
                    if (export.read(b, revs.offset[i] + b.position()) < 0) {
                        throw new IOException("store export truncated");
                    }
                }
                w.put(EtcdBackend.revisionKey(revs.main[i], revs.sub[i], revs.tombstone[i]),
                        Arrays.copyOfRange(raw, 1, raw.length));
            }
            w.endBucket();
            w.beginBucket(EtcdBackend.LEASE);
            for (LeaseRecord l : marker.leases().stream().sorted(Comparator.comparingLong(LeaseRecord::id)).toList()) {
                w.put(EtcdBackend.u64(l.id()), EtcdBackend.encodeLease(l));
            }
            w.endBucket();
            w.beginBucket(EtcdBackend.MEMBERS);
            for (EtcdMember m : members.stream().sorted(Comparator.comparing(m -> new String(m.key(), StandardCharsets.UTF_8))).toList()) {
                w.put(m.key(), m.json());
            }
            w.endBucket();
            w.beginBucket(EtcdBackend.MEMBERS_REMOVED);
            w.endBucket();
            w.beginBucket(EtcdBackend.META);
            w.put(EtcdBackend.CONSISTENT_INDEX, EtcdBackend.u64(marker.appliedIndex()));
            if (marker.compactedRevision() > 0) {
                byte[] rev = EtcdBackend.revisionKey(marker.compactedRevision(), 0, false);
                w.put(EtcdBackend.FINISHED_COMPACT_REV, rev);
                w.put(EtcdBackend.SCHEDULED_COMPACT_REV, rev);
            }
            w.endBucket();
            return w.finish();
        }
    }

    /** The export's revisions as parallel arrays, sorted by (main, sub) through {@link #order}. */
    private static final class Revisions {
        long[] main = new long[1024];
        long[] sub = new long[1024];
        long[] offset = new long[1024];
        int[] length = new int[1024];
        boolean[] tombstone = new boolean[1024];
        int size;

        void add(long m, long s, long off, int len, boolean t) {
            if (size == main.length) {
                int n = size * 2;
                main = Arrays.copyOf(main, n);
                sub = Arrays.copyOf(sub, n);
                offset = Arrays.copyOf(offset, n);
                length = Arrays.copyOf(length, n);
                tombstone = Arrays.copyOf(tombstone, n);
            }
            main[size] = m;
            sub[size] = s;
            offset[size] = off;
            length[size] = len;
            tombstone[size] = t;
            size++;
        }

        Integer[] order() {
            Integer[] idx = new Integer[size];
            for (int i = 0; i < size; i++) {
                idx[i] = i;
            }
            Arrays.sort(idx, Comparator.<Integer>comparingLong(i -> main[i]).thenComparingLong(i -> sub[i]));
            return idx;
        }
    }
}
