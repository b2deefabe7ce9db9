package io.vertcd.server.api.concurrency;

import io.vertcd.server.api.GrpcErrors;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.function.BooleanSupplier;

/**
 * A unary gRPC method that may wait a long time (Lock, Campaign): it learns when the client
 * cancels the call or drops the connection (the HTTP/2 stream is reset), as etcd's handlers see
 * their context cancelled, so that it can stop waiting and clean up its key.
 *
 * @param <Req> the request
 * @param <Resp> the response
 */
@FunctionalInterface
interface CancellableUnary<Req, Resp> {
    /**
     * @param caller who calls (auth)
     * @param request the request
     * @param cancelled true once the client has gone
     * @return the response, completing on the caller's event loop
     */
    Future<Resp> handle(io.vertcd.server.auth.Caller caller, Req request, BooleanSupplier cancelled);

    /** @return the call handler to register with {@code GrpcRoutes.call} */
    static <Req, Resp> Handler<GrpcServerRequest<Req, Resp>> handler(CancellableUnary<Req, Resp> method) {
        return call -> {
            boolean[] cancelled = {false};
            call.exceptionHandler(e -> cancelled[0] = true);
            io.vertcd.server.auth.Caller caller = io.vertcd.server.api.GrpcRoutes.caller(call);
            call.handler(request -> method.handle(caller, request, () -> cancelled[0]).onComplete(ar -> {
                if (cancelled[0]) {
                    return;
                }
                if (ar.succeeded()) {
                    call.response().end(ar.result());
                } else {
                    GrpcErrors.fail(call.response(), ar.cause());
                }
            }));
        };
    }
}
