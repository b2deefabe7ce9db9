package io.vertcd.statemachine;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * etcd 3.4's backend layout inside its bbolt file: bucket names, meta keys and the encodings of revision keys and
 * leases (etcd mvcc/kvstore.go, mvcc/revision.go, lease/lessor.go, auth/store.go, etcdserver/api/membership/store.go,
 * etcdserver/api/v3alarm/alarms.go). Integers are big-endian here, unlike bbolt's own structures.
 */
public final class EtcdBackend {
    public static final byte[] KEY = bucket("key");
    public static final byte[] META = bucket("meta");
    public static final byte[] LEASE = bucket("lease");
    public static final byte[] ALARM = bucket("alarm");
    public static final byte[] AUTH = bucket("auth");
    public static final byte[] AUTH_USERS = bucket("authUsers");
    public static final byte[] AUTH_ROLES = bucket("authRoles");
    public static final byte[] CLUSTER = bucket("cluster");
    public static final byte[] MEMBERS = bucket("members");
    public static final byte[] MEMBERS_REMOVED = bucket("members_removed");

    public static final byte[] CONSISTENT_INDEX = bucket("consistent_index");
    public static final byte[] FINISHED_COMPACT_REV = bucket("finishedCompactRev");
    public static final byte[] SCHEDULED_COMPACT_REV = bucket("scheduledCompactRev");
    public static final byte[] AUTH_REVISION = bucket("authRevision");
    public static final byte[] CLUSTER_VERSION = bucket("clusterVersion");

    /** Length of a revision key: main (8), '_', sub (8) (etcd revBytesLen). */
    public static final int REV_BYTES = 17;
    /** The mark after a tombstone's revision key (etcd markTombstone). */
    public static final byte TOMBSTONE_MARK = 't';

    private EtcdBackend() {
    }

    private static byte[] bucket(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** @return {main, '_', sub}, plus 't' for a tombstone (etcd revToBytes, appendMarkTombstone) */
    public static byte[] revisionKey(long main, long sub, boolean tombstone) {
        ByteBuffer b = ByteBuffer.allocate(tombstone ? REV_BYTES + 1 : REV_BYTES);
        b.putLong(main).put((byte) '_').putLong(sub);
        if (tombstone) {
            b.put(TOMBSTONE_MARK);
        }
        return b.array();
    }

    /** @return true if {@code key} is a revision key (17 bytes, or 18 with the tombstone mark) */
    public static boolean isRevisionKey(byte[] key) {
        return (key.length == REV_BYTES || (key.length == REV_BYTES + 1 && key[REV_BYTES] == TOMBSTONE_MARK))
                && key[8] == '_';
    }

    /** @return the main revision of a revision key */
    public static long main(byte[] key) {
        return ByteBuffer.wrap(key).getLong(0);
    }

    /** @return the sub revision of a revision key */
    public static long sub(byte[] key) {
        return ByteBuffer.wrap(key).getLong(9);
    }

    /** @return whether a revision key carries the tombstone mark */
    public static boolean isTombstone(byte[] key) {
        return key.length == REV_BYTES + 1 && key[REV_BYTES] == TOMBSTONE_MARK;
    }

    /** @return {@code v} as 8 bytes big-endian (etcd's consistent_index, authRevision, lease bucket keys) */
    public static byte[] u64(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    /**
     * Encodes etcd's {@code leasepb.Lease} (lease/leasepb/lease.proto: ID = 1, TTL = 2, RemainingTTL = 3, all int64;
     * zero fields omitted as proto3 does), the lease bucket's value.
     */
    public static byte[] encodeLease(LeaseRecord lease) {
        try {
            int size = 0;
            if (lease.id() != 0) {
                size += CodedOutputStream.computeInt64Size(1, lease.id());
            }
            if (lease.ttlSeconds() != 0) {
                size += CodedOutputStream.computeInt64Size(2, lease.ttlSeconds());
            }
            if (lease.remainingTtlSeconds() != 0) {
                size += CodedOutputStream.computeInt64Size(3, lease.remainingTtlSeconds());
            }
            byte[] out = new byte[size];
            CodedOutputStream o = CodedOutputStream.newInstance(out);
            if (lease.id() != 0) {
                o.writeInt64(1, lease.id());
            }
            if (lease.ttlSeconds() != 0) {
                o.writeInt64(2, lease.ttlSeconds());
            }
            if (lease.remainingTtlSeconds() != 0) {
                o.writeInt64(3, lease.remainingTtlSeconds());
            }
            o.checkNoSpaceLeft();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Decodes a {@code leasepb.Lease}; unknown fields are skipped.
     *
     * @throws IOException if the bytes are not a valid message
     */
    public static LeaseRecord decodeLease(byte[] bytes) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        long id = 0;
        long ttl = 0;
        long remaining = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case 8 -> id = in.readInt64();
                case 16 -> ttl = in.readInt64();
                case 24 -> remaining = in.readInt64();
                default -> in.skipField(tag);
            }
        }
        return new LeaseRecord(id, ttl, remaining);
    }
}
