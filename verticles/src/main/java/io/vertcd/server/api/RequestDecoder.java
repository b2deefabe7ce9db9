package io.vertcd.server.api;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.vertcd.statemachine.RequestLimits;
import io.vertx.grpc.common.CodecException;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.WireFormat;

/**
 * Decodes client requests at the gRPC door with the limits set on purpose, in place of Vert.x's
 * {@code GrpcMessageDecoder.decoder}, which parses with protobuf's default recursion limit of 100: a request nests at
 * most {@link RequestLimits#CLIENT_RECURSION_LIMIT} messages deep, so that every request
 * the door admits also decodes inside a committed entry ({@link RequestLimits#ENTRY_RECURSION_LIMIT}). The size limit
 * is the gRPC server's ({@code --max-request-bytes} + 512 KiB, as etcd's gRPC server). Only the protobuf wire format
 * is decoded: etcd's gRPC server speaks no {@code application/grpc+json} either (its JSON is the HTTP gateway), and
 * protobuf-java's JSON parser has no settable recursion limit.
 *
 * <p>A unary method decodes in its handler (see {@link #RAW}), so that a request that does not decode is answered as
 * etcd's gRPC-Go server answers it: {@code INTERNAL "grpc: error unmarshalling request: <reason>"}; Vert.x itself
 * would only reset the stream.
 *
 * @param <T> the request message
 */
public final class RequestDecoder<T extends Message> implements GrpcMessageDecoder<T> {
    /** Hands the message over undecoded, for a handler that decodes it with a {@link RequestDecoder}. */
    public static final GrpcMessageDecoder<GrpcMessage> RAW = new GrpcMessageDecoder<>() {
        @Override
        public GrpcMessage decode(GrpcMessage msg) {
            return msg;
        }

        @Override
        public boolean accepts(WireFormat format) {
            return true;
        }
    };

    /** grpc-go's status message prefix for a request that does not unmarshal (codes.Internal). */
    public static final String UNMARSHAL_ERROR = "grpc: error unmarshalling request: ";

    private final T prototype;

    private RequestDecoder(T prototype) {
        this.prototype = prototype;
    }

    /** @param prototype the request's default instance (gives the parser and the JSON builder) */
    public static <T extends Message> RequestDecoder<T> of(T prototype) {
        return new RequestDecoder<>(prototype);
    }

    /**
     * @throws CodecException if the payload is no such message, or nests deeper than the limit
     */
    @Override
    @SuppressWarnings("unchecked")
    public T decode(GrpcMessage msg) throws CodecException {
        try {
            if (msg.format() != WireFormat.PROTOBUF) {
                throw new CodecException("only protobuf requests are served, not " + msg.format());
            }
            return RequestLimits.parseClient((Parser<T>) prototype.getParserForType(), msg.payload().getBytes());
        } catch (InvalidProtocolBufferException e) {
            throw new CodecException(e.getMessage(), e);
        }
    }

    @Override
    public boolean accepts(WireFormat format) {
        return true;
    }
}
