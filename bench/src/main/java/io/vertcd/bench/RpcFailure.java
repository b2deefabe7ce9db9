package io.vertcd.bench;

import io.vertx.grpc.common.GrpcErrorException;
import io.vertx.grpc.common.GrpcStatus;

/**
 * A failed call, reduced to the text the report groups errors by: the gRPC status name and the
 * server's {@code grpc-message} (for an etcd server this is the etcd error string, e.g.
 * {@code UNAVAILABLE: etcdserver: leader changed}). No stack trace: errors are counted, not logged.
 */
public final class RpcFailure extends RuntimeException {
  private final GrpcStatus status;

  /**
   * @param status  the gRPC status, or {@code null} for a transport failure without one
   * @param message human-readable detail (may be empty)
   */
  public RpcFailure(GrpcStatus status, String message) {
    super(status == null ? message : (message == null || message.isEmpty() ? status.name() : status.name() + ": " + message),
        null, false, false);
    this.status = status;
  }

  /** @return the gRPC status, or {@code null} for a transport failure */
  public GrpcStatus status() {
    return status;
  }

  /**
   * The error kind a report counts {@code t} under.
   *
   * @param t any failure of a call
   * @return e.g. {@code "UNAVAILABLE: etcdserver: leader changed"} or
   *         {@code "transport: HttpClosedException: Connection was closed"}
   */
  public static String describe(Throwable t) {
    if (t instanceof RpcFailure f) {
      return f.getMessage();
    }
    if (t instanceof GrpcErrorException g) {
      return g.status().name() + ": stream reset (" + g.error() + ")";
    }
    String msg = t.getMessage();
    return "transport: " + t.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
  }
}
