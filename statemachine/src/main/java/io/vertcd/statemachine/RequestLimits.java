package io.vertcd.statemachine;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.vertcd.statemachine.pb.InternalRequest;

/**
 * The nesting limits of client requests and of the Raft entries that carry them, chosen together so that whatever the
 * client door admits can be decoded and applied on every member.
 *
 * <ul>
 *   <li>{@link #MAX_TXN_DEPTH}: a txn may nest at most 128 levels (a flat txn is 1 level). etcd 3.4 has no depth limit
 *       of its own, but its {@code checkTxnRequest} (api/v3rpc/key.go) gives each nested txn the {@code --max-txn-ops}
 *       budget minus its parent's op count, so with the default 128 every txn deeper than 128 levels already fails
 *       with {@code etcdserver: too many operations in txn request} (checked against etcd 3.4.23: 128 levels are
 *       applied, 129 and 1000 fail so). vertcd keeps that answer and adds {@link EtcdError#TXN_TOO_DEEP}
 *       (INVALID_ARGUMENT) for a deeper txn that a raised {@code --max-txn-ops} would let through.</li>
 *   <li>{@link #CLIENT_RECURSION_LIMIT}: the protobuf nesting (messages and groups below the root) the gRPC door
 *       parses: two per txn level (TxnRequest, RequestOp) and the leaf op, with room to spare. A request nested deeper
 *       fails to parse at the door, before anything is proposed.</li>
 *   <li>{@link #ENTRY_RECURSION_LIMIT}: the nesting the decoder of committed entries allows: strictly more than the
 *       door, since an entry wraps the client's request in an {@link InternalRequest}.</li>
 * </ul>
 *
 * Sizes are not limited here: as in etcd, keys and values are bounded only by {@code --max-request-bytes} (the
 * proposal size, etcd v3_server.go processInternalRaftRequestOnce) and the gRPC receive limit above it.
 */
public final class RequestLimits {
    /** Most txn levels a request may nest; the top-level txn is level 1. */
    public static final int MAX_TXN_DEPTH = 128;
    /** protobuf recursion limit of client requests at the gRPC door (protobuf-java's default is 100). */
    public static final int CLIENT_RECURSION_LIMIT = 2 * MAX_TXN_DEPTH + 8;
    /** protobuf recursion limit when decoding committed entries: the door's plus the InternalRequest wrapper, and more. */
    public static final int ENTRY_RECURSION_LIMIT = CLIENT_RECURSION_LIMIT + 8;

    private RequestLimits() {}

    /**
     * @return how many txn levels {@code r} nests: 1 for a txn without nested txns
     */
    public static int txnDepth(TxnRequest r) {
        int deepest = 0;
        for (RequestOp op : r.getSuccessList()) {
            if (op.hasRequestTxn()) {
                deepest = Math.max(deepest, txnDepth(op.getRequestTxn()));
            }
        }
        for (RequestOp op : r.getFailureList()) {
            if (op.hasRequestTxn()) {
                deepest = Math.max(deepest, txnDepth(op.getRequestTxn()));
            }
        }
        return deepest + 1;
    }

    /** @throws EtcdException TXN_TOO_DEEP if {@code r} nests more than {@link #MAX_TXN_DEPTH} levels */
    public static void checkTxnDepth(TxnRequest r) throws EtcdException {
        if (txnDepth(r) > MAX_TXN_DEPTH) {
            throw EtcdError.TXN_TOO_DEEP.exception();
        }
    }

    /**
     * Parses a client request with {@link #CLIENT_RECURSION_LIMIT}.
     *
     * @param parser the request message's parser
     * @param bytes the serialized request (a gRPC message's payload)
     * @throws InvalidProtocolBufferException if the bytes are no such message or nest too deep
     */
    public static <T extends MessageLite> T parseClient(Parser<T> parser, byte[] bytes)
            throws InvalidProtocolBufferException {
        return parse(parser, CodedInputStream.newInstance(bytes), CLIENT_RECURSION_LIMIT);
    }

    /**
     * Decodes a committed entry's payload with {@link #ENTRY_RECURSION_LIMIT}.
     *
     * @param data a normal Raft entry's data
     * @throws InvalidProtocolBufferException if the bytes are no InternalRequest or nest too deep
     */
    public static InternalRequest parseEntry(ByteString data) throws InvalidProtocolBufferException {
        return parse(InternalRequest.parser(), data.newCodedInput(), ENTRY_RECURSION_LIMIT);
    }

    private static <T extends MessageLite> T parse(Parser<T> parser, CodedInputStream in, int limit)
            throws InvalidProtocolBufferException {
        in.setRecursionLimit(limit);
        T message = parser.parseFrom(in);
        in.checkLastTagWas(0);
        return message;
    }
}
