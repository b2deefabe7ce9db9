package io.vertcd.server.api;

/**
 * An expected failure that etcd's servers return as a plain Go error, which gRPC sends as status UNKNOWN with the
 * error's text (no server bug: {@link GrpcErrors} sends it as is and does not log it). A service's own errors of this
 * kind extend it, e.g. the Lock and Election recipes' errors.
 */
public class PlainError extends RuntimeException {
    /** @param message the exact text etcd sends */
    public PlainError(String message) {
        super(message, null, false, false);
    }
}
