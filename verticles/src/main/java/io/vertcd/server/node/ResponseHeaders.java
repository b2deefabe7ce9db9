package io.vertcd.server.node;

import io.etcd.jetcd.api.AlarmResponse;
import io.etcd.jetcd.api.CompactionResponse;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.TxnResponse;
import com.google.protobuf.Message;

/**
 * Fills the response header the way etcd's {@code api/v3rpc/header.go} does: cluster_id,
 * member_id and raft_term from the member; revision as set by the state machine (the store
 * revision after the request).
 */
public final class ResponseHeaders {
    private final RaftNode node;

    /** @param node the member whose IDs and term go into the header */
    public ResponseHeaders(RaftNode node) {
        this.node = node;
    }

    /** @return a header with cluster_id, member_id, raft_term and the given revision */
    public ResponseHeader header(long revision) {
        return ResponseHeader.newBuilder()
                .setClusterId(node.clusterId())
                .setMemberId(node.memberId())
                .setRevision(revision)
                .setRaftTerm(node.term())
                .build();
    }

    /** @return the header without revision, as etcd's Cluster service sends it */
    public ResponseHeader headerWithoutRevision() {
        return header(0);
    }

    /**
     * @param response an apply result's response (Put, DeleteRange, Txn, Compaction, Alarm) or a RangeResponse
     * @return the same response with its header filled in
     * @throws IllegalArgumentException for another message type
     */
    @SuppressWarnings("unchecked")
    public <T extends Message> T fill(T response) {
        Message filled;
        if (response instanceof RangeResponse r) {
            filled = r.toBuilder().setHeader(header(r.getHeader().getRevision())).build();
        } else if (response instanceof PutResponse r) {
            filled = r.toBuilder().setHeader(header(r.getHeader().getRevision())).build();
        } else if (response instanceof DeleteRangeResponse r) {
            filled = r.toBuilder().setHeader(header(r.getHeader().getRevision())).build();
        } else if (response instanceof TxnResponse r) {
            filled = r.toBuilder().setHeader(header(r.getHeader().getRevision())).build();
        } else if (response instanceof CompactionResponse r) {
            filled = r.toBuilder().setHeader(header(r.getHeader().getRevision())).build();
        } else if (response instanceof AlarmResponse r) {
            filled = r.toBuilder().setHeader(header(r.getHeader().getRevision())).build();
        } else {
            throw new IllegalArgumentException("no header rule for " + response.getClass().getName());
        }
        return (T) filled;
    }
}
