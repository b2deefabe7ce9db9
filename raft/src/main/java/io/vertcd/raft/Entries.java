package io.vertcd.raft;

import io.vertcd.raft.pb.ConfChange;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.EntryType;

import java.util.List;

/** Helpers over lists of log entries (etcd raft/util.go). */
final class Entries {
    /** "No limit" for byte-size limits. */
    static final long NO_LIMIT = Long.MAX_VALUE;

    private Entries() {
    }

    /**
     * Keeps the longest prefix whose total serialized size (bytes) is at most {@code maxSize}, but at least one
     * entry (etcd {@code limitSize}). Returns a view of {@code ents}.
     */
    static List<Entry> limitSize(List<Entry> ents, long maxSize) {
        if (ents.isEmpty() || maxSize == NO_LIMIT) {
            return ents;
        }
        long size = ents.get(0).getSerializedSize();
        int limit = 1;
        for (; limit < ents.size(); limit++) {
            size += ents.get(limit).getSerializedSize();
            if (size > maxSize) {
                break;
            }
        }
        return ents.subList(0, limit);
    }

    /** Sum of the payload sizes in bytes (etcd {@code payloadsSize}; the uncommitted-size quota counts data only). */
    static long payloadSize(List<Entry> ents) {
        long s = 0;
        for (Entry e : ents) {
            s += e.getData().size();
        }
        return s;
    }

    /** Number of configuration-change entries (etcd {@code numOfPendingConf}). */
    static int countConfChanges(List<Entry> ents) {
        int n = 0;
        for (Entry e : ents) {
            if (e.getType() == EntryType.ENTRY_CONF_CHANGE) {
                n++;
            }
        }
        return n;
    }

    /** Decodes the {@link ConfChange} held by a conf-change entry. */
    static ConfChange confChange(Entry e) {
        try {
            return ConfChange.parseFrom(e.getData());
        } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
            throw new IllegalStateException("corrupt conf change entry at index " + e.getIndex(), ex);
        }
    }
}
