package io.vertcd.bench;

import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.client.impl.GrpcClientImpl;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;

import java.util.concurrent.TimeUnit;

/**
 * Unary etcd KV calls over ONE HTTP/2 connection. All callbacks run on {@link #context()}, the
 * event loop owning the connection; calls may be made from any thread but are cheapest from it.
 *
 * <p>A call fails with {@link RpcFailure} when the server answers a non-OK gRPC status (message =
 * the etcd error string), when the client deadline passes ({@code DEADLINE_EXCEEDED}; the stream
 * is then cancelled with RST_STREAM), at once with {@code UNAVAILABLE} once the connection has
 * closed (no reconnect: a benchmark measures the connections it was given), and with the
 * transport's exception when the connection fails mid-call.
 */
public final class KvClient {
  /** Largest response accepted, in bytes: etcd clientv3's default receive limit ({@code math.MaxInt32}). */
  public static final long MAX_RESPONSE_BYTES = Integer.MAX_VALUE;

  private final Vertx vertx;
  private final HttpClientConnection connection;
  private final GrpcClient grpc;
  private final Context context;
  private final Endpoint endpoint;
  private final long timeoutMs;
  private volatile boolean closed;

  /**
   * @param vertx     the Vert.x instance owning the connection (for deadline timers)
   * @param connection one open HTTP/2 connection
   * @param context   the connection's event-loop context
   * @param endpoint  the server it talks to (for reports)
   * @param timeoutMs per-call deadline in ms, sent as {@code grpc-timeout} and enforced locally;
   *                  0 = none
   */
  public KvClient(Vertx vertx, HttpClientConnection connection, Context context, Endpoint endpoint, long timeoutMs) {
    this.vertx = vertx;
    this.connection = connection;
    // GrpcClient.client(vertx, connection) cannot take options and caps responses at 256 KiB; etcd's
    // Go client accepts up to math.MaxInt32 bytes (clientv3 defaultMaxCallRecvMsgSize), so use the
    // options constructor of the 5.0.7 implementation (closeClient=false: close() closes the connection).
    this.grpc = new GrpcClientImpl(vertx, new GrpcClientOptions().setMaxMessageSize(MAX_RESPONSE_BYTES), connection, false) {
    };
    connection.closeHandler(v -> closed = true);
    this.context = context;
    this.endpoint = endpoint;
    this.timeoutMs = timeoutMs;
  }

  /** @return the event-loop context of this connection */
  public Context context() {
    return context;
  }

  /** @return the endpoint of this connection */
  public Endpoint endpoint() {
    return endpoint;
  }

  /** {@code KV.Put}. */
  public Future<PutResponse> put(PutRequest request) {
    return call(KvMethods.PUT, request);
  }

  /** {@code KV.Range}; {@code serializable=false} asks for a linearizable (ReadIndex) read. */
  public Future<RangeResponse> range(RangeRequest request) {
    return call(KvMethods.RANGE, request);
  }

  /** {@code Lease.LeaseGrant}. */
  public Future<LeaseGrantResponse> leaseGrant(LeaseGrantRequest request) {
    return call(KvMethods.LEASE_GRANT, request);
  }

  /** One keep-alive on its own {@code Lease.LeaseKeepAlive} stream (request, half-close, one response). */
  public Future<LeaseKeepAliveResponse> leaseKeepAliveOnce(LeaseKeepAliveRequest request) {
    return call(KvMethods.LEASE_KEEPALIVE, request);
  }

  /** {@code KV.Txn}. */
  public Future<TxnResponse> txn(TxnRequest request) {
    return call(KvMethods.TXN, request);
  }

  /**
   * Opens one {@code Watch.Watch} stream on this connection, without a deadline (it lives for the
   * run); write WatchRequests on it and read the responses from its {@code response()}.
   */
  public Future<GrpcClientRequest<io.etcd.jetcd.api.WatchRequest, io.etcd.jetcd.api.WatchResponse>> watchStream() {
    if (closed) {
      return Future.failedFuture(new RpcFailure(GrpcStatus.UNAVAILABLE, "connection to " + endpoint + " is closed"));
    }
    return grpc.request(KvMethods.WATCH);
  }

  /** Closes the connection. */
  public Future<Void> close() {
    return grpc.close().transform(ar -> connection.close());
  }

  private <Req, Resp> Future<Resp> call(ServiceMethod<Resp, Req> method, Req message) {
    if (closed) {
      return Future.failedFuture(new RpcFailure(GrpcStatus.UNAVAILABLE, "connection to " + endpoint + " is closed"));
    }
    if (timeoutMs <= 0) {
      return grpc.request(method).compose(request -> request.send(message)).compose(KvClient::unaryResult);
    }
    // The deadline covers stream creation too, so a wedged connection cannot stall a client.
    Promise<Resp> promise = Promise.promise();
    GrpcClientRequest<?, ?>[] stream = new GrpcClientRequest<?, ?>[1];
    long timer = vertx.setTimer(timeoutMs, id -> {
      if (promise.tryFail(new RpcFailure(GrpcStatus.DEADLINE_EXCEEDED, "client deadline of " + timeoutMs + " ms"))
          && stream[0] != null) {
        cancelQuietly(stream[0]);
      }
    });
    grpc.request(method).compose(request -> {
      stream[0] = request;
      request.timeout(timeoutMs, TimeUnit.MILLISECONDS);
      return request.send(message);
    }).compose(KvClient::unaryResult).onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        promise.tryComplete(ar.result());
      } else {
        promise.tryFail(ar.cause());
      }
    });
    return promise.future();
  }

  private static <Req, Resp> Future<Resp> unaryResult(GrpcClientResponse<Req, Resp> response) {
    return response.last().transform(ar -> {
      if (ar.succeeded()) {
        return Future.succeededFuture(ar.result());
      }
      GrpcStatus status = response.status();
      if (status != null && status != GrpcStatus.OK) {
        return Future.failedFuture(new RpcFailure(status, response.statusMessage()));
      }
      return Future.failedFuture(ar.cause());
    });
  }

  private static void cancelQuietly(GrpcClientRequest<?, ?> request) {
    try {
      request.cancel();
    } catch (RuntimeException ignored) {
      // the stream already ended
    }
  }
}
