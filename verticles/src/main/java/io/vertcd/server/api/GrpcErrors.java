package io.vertcd.server.api;


import io.vertcd.statemachine.EtcdException;
import io.vertx.grpc.common.GrpcHeaderNames;
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
 *
 * <p>The message goes out as etcd (grpc-go) sends it, percent-encoded only where the gRPC spec says
 * ({@link GrpcMessageText}); vertx-grpc's own {@code statusMessage} encoding is not used.
 */
public final class GrpcErrors {
    private static final Logger LOG = LoggerFactory.getLogger(GrpcErrors.class);

    private GrpcErrors() {
    }

    /**
     * A failed request as gRPC status and message.
     *
     * @param status a non-OK status
     * @param message the exact text, e.g. {@code etcdserver: key is not provided}
     */
    public record Failure(GrpcStatus status, String message) {
    }

    /** @return the status and message for {@code error} (see the class comment) */
    public static Failure of(Throwable error) {
        if (error instanceof EtcdException e) {
            return new Failure(GrpcStatus.valueOf(e.error().grpcCode()), e.error().message());
        } else if (error instanceof PlainError) {
            // etcd's concurrency errors ("election: not leader", ...) are expected outcomes that
            // etcd also sends as UNKNOWN with the plain text: no server bug, nothing to log.
            return new Failure(GrpcStatus.UNKNOWN, error.getMessage());
        }
        LOG.warn("request failed", error);
        return new Failure(GrpcStatus.UNKNOWN, String.valueOf(error.getMessage()));
    }

    /** Ends {@code response} with the status for {@code error}. */
    public static void fail(GrpcServerResponse<?, ?> response, Throwable error) {
        Failure f = of(error);
        end(response, f.status(), f.message());
    }

    /**
     * Ends {@code response} with {@code status} and {@code message} in {@code grpc-message}, encoded
     * by {@link GrpcMessageText}: vertx-grpc writes the grpc-message a response already carries
     * instead of its own encoding of {@code statusMessage}, in the trailers or, for a trailers-only
     * answer, in the headers.
     *
     * @param response a response not yet ended
     * @param status a non-OK status
     * @param message the exact text, e.g. {@code etcdserver: key is not provided}
     */
    public static void end(GrpcServerResponse<?, ?> response, GrpcStatus status, String message) {
        response.status(status);
        response.trailers().set(GrpcHeaderNames.GRPC_MESSAGE, GrpcMessageText.encode(message));
        response.end();
    }
}
