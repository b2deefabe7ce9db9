package io.vertcd.server.api;

import io.vertcd.server.auth.Caller;
import io.vertx.core.Future;
import java.util.function.BooleanSupplier;

/**
 * A unary gRPC method that may wait a long time (Lock, Campaign): it learns when the client
 * cancels the call or drops the connection (the HTTP/2 stream is reset, the HTTP request of the JSON gateway is
 * closed), as etcd's handlers see their context cancelled, so that it can stop waiting and clean up its key.
 * Registered with {@link GrpcRoutes#cancellable}.
 *
 * @param <Req> the request
 * @param <Resp> the response
 */
@FunctionalInterface
public interface CancellableUnary<Req, Resp> {
    /**
     * @param caller who calls (auth)
     * @param request the request
     * @param cancelled true once the client has gone
     * @return the response, completing on the caller's event loop
     */
    Future<Resp> handle(Caller caller, Req request, BooleanSupplier cancelled);
}
