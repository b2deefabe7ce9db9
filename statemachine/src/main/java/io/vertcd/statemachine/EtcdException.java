package io.vertcd.statemachine;

/**
 * A request failed with one of etcd's client-visible errors ({@link EtcdError}). The server
 * turns it into a gRPC status with {@link EtcdError#grpcCode()} and {@link EtcdError#message()}.
 * It carries no stack trace: it is an expected outcome, not a bug.
 */
public final class EtcdException extends Exception {
    private final EtcdError error;

    public EtcdException(EtcdError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    /** @return which etcd error this is. */
    public EtcdError error() {
        return error;
    }
}
