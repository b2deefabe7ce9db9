package io.vertcd.statemachine;

import io.etcd.jetcd.api.AlarmMember;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import io.vertcd.statemachine.auth.AuthStore;
import io.vertcd.statemachine.pb.AuthSnapshot;

/**
 * The durable description of a state-machine checkpoint: the Raft position applied and the MVCC
 * position reached when the revision store was last synced. Written atomically (temp file, fsync,
 * rename, fsync of the directory), so after a crash either the old or the new marker is read.
 *
 * <p>File {@code <snap>/checkpoint}, big-endian: magic "VCCP", format 2, applied index, applied
 * term, revision, compacted revision, alarm count, then (member id: 8 bytes, alarm type: 4 bytes)
 * per alarm, lease count, then (id, TTL s, remaining TTL s: 8 bytes each) per lease, then a
 * CRC-32 of everything before it. Format 3 adds, before the CRC, the auth store: int length, then an
 * {@code AuthSnapshot} protobuf of that length. Format 1 (no lease section) is still read, as no leases; formats 1
 * and 2 as an empty auth store.
 * The lease table and the auth store live here rather than in the revision store so that it rolls back with the
 * marker exactly, as etcd's lease bucket commits with its consistent index.
 *
 * @param appliedIndex last Raft index applied
 * @param appliedTerm term of that entry
 * @param revision the store revision (1 for an empty store)
 * @param compactedRevision the compacted revision (0 if never compacted)
 * @param alarms the active alarms
 * @param leases the lease table, sorted by ID
 * @param auth the auth store (users, roles, enabled, auth revision)
 */
record CheckpointMarker(long appliedIndex, long appliedTerm, long revision, long compactedRevision,
                        List<AlarmMember> alarms, List<LeaseRecord> leases, AuthSnapshot auth) {
    static final String FILE = "checkpoint";
    private static final int MAGIC = 0x56434350; // "VCCP"
    private static final int FORMAT = 3;
    private static final int FORMAT_WITHOUT_AUTH = 2;
    private static final int FORMAT_WITHOUT_LEASES = 1;
    /** The auth section of a marker may not claim more than this many bytes (a corrupt length is refused). */
    private static final int MAX_AUTH_BYTES = Integer.MAX_VALUE - 64;

    /** The state of a store that has never applied anything. */
    static CheckpointMarker initial() {
        return new CheckpointMarker(0, 0, 1, 0, List.of(), List.of(), AuthStore.empty().snapshot());
    }

    /**
     * @return the marker in {@code dir}, or null if there is none
     * @throws IOException if it cannot be read or is corrupt (bad magic, format or CRC)
     */
    static CheckpointMarker read(Path dir) throws IOException {
        byte[] data;
        try {
            data = Files.readAllBytes(dir.resolve(FILE));
        } catch (NoSuchFileException e) {
            return null;
        }
        if (data.length < 4) {
            throw new IOException("checkpoint marker truncated: " + dir.resolve(FILE));
        }
        CRC32 crc = new CRC32();
        crc.update(data, 0, data.length - 4);
        ByteBuffer b = ByteBuffer.wrap(data);
        if (b.getInt(data.length - 4) != (int) crc.getValue()) {
            throw new IOException("checkpoint marker CRC mismatch: " + dir.resolve(FILE));
        }
        if (b.getInt() != MAGIC) {
            throw new IOException("not a vertcd checkpoint marker: " + dir.resolve(FILE));
        }
        int format = b.getInt();
        if (format != FORMAT && format != FORMAT_WITHOUT_AUTH && format != FORMAT_WITHOUT_LEASES) {
            throw new IOException("unknown checkpoint marker format " + format + ": " + dir.resolve(FILE));
        }
        long index = b.getLong();
        long term = b.getLong();
        long rev = b.getLong();
        long compacted = b.getLong();
        int n = b.getInt();
        List<AlarmMember> alarms = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            alarms.add(AlarmMember.newBuilder().setMemberID(b.getLong()).setAlarmValue(b.getInt()).build());
        }
        List<LeaseRecord> leases = new ArrayList<>();
        if (format >= FORMAT_WITHOUT_AUTH) {
            int l = b.getInt();
            for (int i = 0; i < l; i++) {
                leases.add(new LeaseRecord(b.getLong(), b.getLong(), b.getLong()));
            }
        }
        AuthSnapshot auth = AuthStore.empty().snapshot();
        if (format == FORMAT) {
            int length = b.getInt();
            if (length < 0 || length > b.remaining() - 4 || length > MAX_AUTH_BYTES) {
                throw new IOException("checkpoint marker auth section of " + length + " bytes is corrupt: " + dir.resolve(FILE));
            }
            auth = AuthSnapshot.parseFrom(ByteBuffer.wrap(data, b.position(), length));
        }
        return new CheckpointMarker(index, term, rev, compacted, List.copyOf(alarms), List.copyOf(leases), auth);
    }

    /** Writes this marker to {@code dir} atomically and durably. Blocking I/O. */
    void write(Path dir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(72 + alarms.size() * 12 + leases.size() * 24);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(MAGIC);
        out.writeInt(FORMAT);
        out.writeLong(appliedIndex);
        out.writeLong(appliedTerm);
        out.writeLong(revision);
        out.writeLong(compactedRevision);
        out.writeInt(alarms.size());
        for (AlarmMember m : alarms) {
            out.writeLong(m.getMemberID());
            out.writeInt(m.getAlarmValue());
        }
        out.writeInt(leases.size());
        for (LeaseRecord l : leases) {
            out.writeLong(l.id());
            out.writeLong(l.ttlSeconds());
            out.writeLong(l.remainingTtlSeconds());
        }
        byte[] authBytes = auth.toByteArray();
        out.writeInt(authBytes.length);
        out.write(authBytes);
        out.flush();
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        out.writeInt((int) crc.getValue());
        out.flush();
        DurableFiles.replace(dir.resolve(FILE), bytes.toByteArray());
    }

}
