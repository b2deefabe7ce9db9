package io.vertcd.server.api;


import io.vertcd.statemachine.EtcdException;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a failed request into a gRPC status, as etcd's {@code api/v3rpc/util.go} togRPCError
 * does: an {@link EtcdException} becomes its {@code EtcdError.grpcCode()} and exact message
 * (clients match on the message); a {@link PlainError} becomes UNKNOWN with etcd's
 * plain text, as etcd's lock and election services send it; anything else is a server bug, is
 * logged, and becomes UNKNOWN with the exception's message.
 */
public final class GrpcErrors {
    private static final Logger LOG = LoggerFactory.getLogger(GrpcErrors.class);

    private GrpcErrors() {
    }

    /** Ends {@code response} with the status for {@code error}. */
    public static void fail(GrpcServerResponse<?, ?> response, Throwable error) {
        GrpcStatus status;
        String message;
        if (error instanceof EtcdException e) {
            status = GrpcStatus.valueOf(e.error().grpcCode());
            message = e.error().message();
        } else if (error instanceof PlainError) {
            // etcd's concurrency errors ("election: not leader", ...) are expected outcomes that
            // etcd also sends as UNKNOWN with the plain text: no server bug, nothing to log.
            status = GrpcStatus.UNKNOWN;
            message = error.getMessage();
        } else {
            LOG.warn("request failed", error);
            status = GrpcStatus.UNKNOWN;
            message = String.valueOf(error.getMessage());
        }
        response.status(status).statusMessage(message).end();
    }
}
