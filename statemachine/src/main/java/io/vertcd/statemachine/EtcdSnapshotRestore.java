package io.vertcd.statemachine;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etcd.jetcd.api.AlarmMember;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.Role;
import io.etcd.jetcd.api.User;
import io.vertcd.statemachine.pb.AuthSnapshot;
import io.vertcd.statemachine.bbolt.BoltReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds a vertcd store from an etcd 3.4 backend file (a snapshot saved from etcd or from vertcd, its sha256 trailer
 * already checked by {@link EtcdSnapshotFile}), as etcd's mvcc store restores itself from its backend
 * (mvcc/kvstore.go restore): every revision of the {@code key} bucket goes into the revision store as it is, the
 * current revision is the newest stored one (at least the compacted one), the compacted revision is
 * {@code finishedCompactRev}, leases come from the {@code lease} bucket (the keys attached to them from the KeyValues'
 * {@code lease} field when the store opens), alarms from {@code alarm}. The consistent index and the member buckets are
 * not used: a restored member starts a new cluster at {@code appliedIndex}.
 *
 * <p>Blocking I/O, O(revisions): a worker thread's (or the CLI's) job.
 */
public final class EtcdSnapshotRestore {
    /**
     * What was restored.
     *
     * @param revision the store's current revision
     * @param compactedRevision its compacted revision (0 if never compacted)
     * @param revisions how many revisions the {@code key} bucket held
     * @param leases the lease table
     * @param authEnabled the {@code auth} bucket's {@code authEnabled} flag
     * @param authRevision its {@code authRevision} (0 if absent)
     * @param users the {@code authUsers} bucket (authpb.User messages), kept for the auth store
     * @param roles the {@code authRoles} bucket (authpb.Role messages), kept for the auth store
     */
    public record Restored(long revision, long compactedRevision, long revisions, List<LeaseRecord> leases,
                           boolean authEnabled, long authRevision, List<User> users, List<Role> roles) {}

    private EtcdSnapshotRestore() {
    }

    /**
     * Builds a closed, cleanly checkpointed store in {@code newSnapDir} (created; must be empty or absent), which
     * {@link KvStore#open} opens without recovery.
     *
     * @param db the bbolt file (a trailing sha256 beyond the database's pages is ignored)
     * @param appliedIndex the Raft index the store stands at (the restored cluster's first index)
     * @param appliedTerm the term of that index
     * @throws IOException when the file is not a bbolt database, lacks the {@code key} or {@code meta} bucket,
     *     holds a key that is not a revision or a value that is not a KeyValue, or on any I/O failure
     */
    public static Restored restore(Path db, Path newSnapDir, KvStoreOptions options, long appliedIndex,
                                   long appliedTerm) throws IOException {
        Files.createDirectories(newSnapDir);
        try (var listing = Files.list(newSnapDir)) {
            if (listing.findAny().isPresent()) {
                throw new IOException(newSnapDir + " is not empty");
            }
        }
        try (BoltReader r = BoltReader.open(db)) {
            byte[] finished = r.get(List.of(EtcdBackend.META), EtcdBackend.FINISHED_COMPACT_REV);
            long compacted = finished == null ? 0 : revisionMain(finished, "finishedCompactRev");
            long[] newest = {0, 0};
            RevisionStore store = RevisionStore.open(newSnapDir.resolve(KvStore.MAP_FILE),
                    Math.max(1, options.expectedKeys()), false);
            try {
                boolean hasKeys = r.forEach(List.of(EtcdBackend.KEY), (k, v, bucket) -> {
                    if (bucket || !EtcdBackend.isRevisionKey(k)) {
                        throw new IOException("etcd snapshot: key bucket entry " + Arrays.toString(k)
                                + " is not a revision");
                    }
                    try {
                        KeyValue.parseFrom(v);
                    } catch (InvalidProtocolBufferException e) {
                        throw new IOException("etcd snapshot: the value at revision " + EtcdBackend.main(k)
                                + " is not a mvccpb.KeyValue", e);
                    }
                    byte[] raw = new byte[v.length + 1];
                    raw[0] = EtcdBackend.isTombstone(k) ? (byte) 1 : (byte) 0;
                    System.arraycopy(v, 0, raw, 1, v.length);
                    store.putRaw(EtcdBackend.main(k), EtcdBackend.sub(k), raw);
                    newest[0] = Math.max(newest[0], EtcdBackend.main(k));
                    newest[1]++;
                });
                if (!hasKeys) {
                    throw new IOException("etcd snapshot: no key bucket in " + db);
                }
                store.sync();
            } finally {
                store.close();
            }
            List<LeaseRecord> leases = new ArrayList<>();
            r.forEach(List.of(EtcdBackend.LEASE), (k, v, bucket) -> leases.add(EtcdBackend.decodeLease(v)));
            List<AlarmMember> alarms = new ArrayList<>();
            r.forEach(List.of(EtcdBackend.ALARM), (k, v, bucket) -> alarms.add(AlarmMember.parseFrom(k)));
            byte[] enabled = r.get(List.of(EtcdBackend.AUTH), "authEnabled".getBytes());
            byte[] authRev = r.get(List.of(EtcdBackend.AUTH), EtcdBackend.AUTH_REVISION);
            List<User> users = new ArrayList<>();
            r.forEach(List.of(EtcdBackend.AUTH_USERS), (k, v, bucket) -> users.add(User.parseFrom(v)));
            List<Role> roles = new ArrayList<>();
            r.forEach(List.of(EtcdBackend.AUTH_ROLES), (k, v, bucket) -> roles.add(Role.parseFrom(v)));
            long revision = Math.max(Math.max(newest[0], compacted), 1);
            boolean authEnabled = enabled != null && enabled.length == 1 && enabled[0] == 1;
            long authRevision = authRev != null && authRev.length == 8 ? EtcdBackend.main(Arrays.copyOf(authRev, 17)) : 0;
            new CheckpointMarker(appliedIndex, appliedTerm, revision, compacted, List.copyOf(alarms),
                    List.copyOf(leases), authSnapshot(authEnabled, authRevision, users, roles)).write(newSnapDir);
            DurableFiles.syncDir(newSnapDir);
            return new Restored(revision, compacted, newest[1], List.copyOf(leases), authEnabled, authRevision,
                    List.copyOf(users), List.copyOf(roles));
        }
    }

    /**
     * etcd's auth buckets as the auth store's checkpoint section: users (bcrypt hashes as etcd stores them) and roles
     * sorted by name, each role's permissions by key; an auth revision of 0 (no {@code authRevision} key) is the auth
     * store's initial 1.
     */
    private static AuthSnapshot authSnapshot(boolean enabled, long revision, List<User> users, List<Role> roles) {
        java.util.Comparator<com.google.protobuf.ByteString> bytes = com.google.protobuf.ByteString
                .unsignedLexicographicalComparator();
        List<Role> sortedRoles = roles.stream().map(r -> r.toBuilder().clearKeyPermission()
                        .addAllKeyPermission(r.getKeyPermissionList().stream()
                                .sorted(java.util.Comparator.comparing(io.etcd.jetcd.api.Permission::getKey, bytes)).toList())
                        .build())
                .sorted(java.util.Comparator.comparing(Role::getName, bytes)).toList();
        return AuthSnapshot.newBuilder().setEnabled(enabled).setRevision(Math.max(1, revision))
                .addAllUsers(users.stream().sorted(java.util.Comparator.comparing(User::getName, bytes)).toList())
                .addAllRoles(sortedRoles).build();
    }

    private static long revisionMain(byte[] rev, String what) throws IOException {
        if (rev.length < EtcdBackend.REV_BYTES) {
            throw new IOException("etcd snapshot: " + what + " of " + rev.length + " bytes");
        }
        return EtcdBackend.main(rev);
    }
}
