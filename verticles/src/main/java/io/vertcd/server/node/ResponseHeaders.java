package io.vertcd.server.node;

import java.util.function.LongSupplier;
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
    private final LongSupplier clusterId;
    private final LongSupplier memberId;
    private final LongSupplier term;

    /**
     * @param clusterId the cluster's ID, read for every header
     * @param memberId the member's ID, read for every header
     * @param term the member's current Raft term, read for every header
     */
    public ResponseHeaders(LongSupplier clusterId, LongSupplier memberId, LongSupplier term) {
        this.clusterId = clusterId;
        this.memberId = memberId;
        this.term = term;
    }

    /** @return a header with cluster_id, member_id, raft_term and the given revision */
    public ResponseHeader header(long revision) {
        return ResponseHeader.newBuilder()
                .setClusterId(clusterId.getAsLong())
                .setMemberId(memberId.getAsLong())
                .setRevision(revision)
                .setRaftTerm(term.getAsLong())
                .build();
    }

    /** @return the header without revision, as etcd's Cluster service sends it */
    public ResponseHeader headerWithoutRevision() {
        return header(0);
    }

    /**
     * @param response an apply result's response (Put, DeleteRange, Txn, Compaction, Alarm, Auth*) or a RangeResponse
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
            // the other responses (Auth*Response, ...): the same rule through the message's header field
            var field = response.getDescriptorForType().findFieldByName("header");
            if (field == null) {
                throw new IllegalArgumentException("no header rule for " + response.getClass().getName());
            }
            long revision = ((ResponseHeader) response.getField(field)).getRevision();
            filled = response.toBuilder().setField(field, header(revision)).build();
        }
        return (T) filled;
    }
}
