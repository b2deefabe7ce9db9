package io.vertcd.raft;

import com.google.protobuf.ByteString;

/**
 * The answer to a {@link RawNode#readIndex(ByteString)} request (etcd raft {@code ReadState}; Raft thesis §6.4).
 * A linearizable read identified by {@code requestCtx} may be served once the local applied index reaches
 * {@code index}.
 *
 * @param index      the commit index (a Raft log index) confirmed by a quorum when the read was accepted
 * @param requestCtx the opaque context the application passed to {@code readIndex}
 */
public record ReadState(long index, ByteString requestCtx) {
}
