package io.vertcd.raft;

import com.google.protobuf.ByteString;
import io.vertcd.raft.pb.Message;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The leader's pending ReadIndex requests awaiting quorum confirmation by heartbeat (etcd raft/read_only.go;
 * Raft thesis §6.4). Each request is keyed by its context; the heartbeat carries the newest context, and an
 * acknowledgement of it confirms every earlier request too.
 *
 * <p>Bounded: at most {@code maxPending} requests; a request beyond that is dropped ({@link #addRequest} returns
 * false) and the application's read times out and retries, as etcd's server does for lost ReadIndex requests.
 */
final class ReadOnly {
    /** One pending request: the message, the commit index when it arrived, and the voters that acknowledged it. */
    record Status(Message req, long index, Set<Long> acks) {
    }

    final ReadOnlyOption option;
    private final int maxPending;
    private final Map<ByteString, Status> pending = new HashMap<>();
    private final ArrayDeque<ByteString> queue = new ArrayDeque<>();

    ReadOnly(ReadOnlyOption option, int maxPending) {
        this.option = option;
        this.maxPending = maxPending;
    }

    /** Adds a request (MsgReadIndex, context in entries[0].data) read at commit index {@code index}. */
    boolean addRequest(long index, Message m) {
        ByteString ctx = m.getEntries(0).getData();
        if (pending.containsKey(ctx)) {
            return true;
        }
        if (pending.size() >= maxPending) {
            return false;
        }
        pending.put(ctx, new Status(m, index, new HashSet<>()));
        queue.addLast(ctx);
        return true;
    }

    /** Records that {@code id} acknowledged the heartbeat carrying {@code ctx}; returns the acks, or null if unknown. */
    Set<Long> recvAck(long id, ByteString ctx) {
        Status rs = pending.get(ctx);
        if (rs == null) {
            return null;
        }
        rs.acks().add(id);
        return rs.acks();
    }

    /**
     * The request with context {@code ctx} was confirmed by a quorum: removes and returns it together with every
     * request queued before it, oldest first.
     */
    List<Status> advance(ByteString ctx) {
        if (!pending.containsKey(ctx)) {
            return List.of();
        }
        List<Status> out = new ArrayList<>();
        while (!queue.isEmpty()) {
            ByteString c = queue.pollFirst();
            out.add(pending.remove(c));
            if (c.equals(ctx)) {
                break;
            }
        }
        return out;
    }

    /** @return the newest pending context (sent with heartbeats), or empty if none */
    ByteString lastPendingRequestCtx() {
        return queue.isEmpty() ? ByteString.EMPTY : queue.peekLast();
    }
}
