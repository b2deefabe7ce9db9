package io.vertcd.server.api;

import io.vertx.core.Handler;
import io.vertx.grpc.server.GrpcServerRequest;

/**
 * A {@link StreamCall} carried by a gRPC call. The client has gone when the call fails
 * ({@code exceptionHandler}, the response's too) or is reset ({@code errorHandler}: RST_STREAM CANCEL).
 *
 * @param <Req> the request message
 * @param <Resp> the response message
 */
public final class GrpcStreamCall<Req, Resp> implements StreamCall<Req, Resp> {
    private final GrpcServerRequest<Req, Resp> call;
    private Handler<Void> closeHandler;
    private boolean closed;

    /** @param call the gRPC call */
    public GrpcStreamCall(GrpcServerRequest<Req, Resp> call) {
        this.call = call;
        call.exceptionHandler(e -> closed());
        call.errorHandler(e -> closed());
        call.response().exceptionHandler(e -> closed());
    }

    private void closed() {
        if (!closed) {
            closed = true;
            if (closeHandler != null) {
                closeHandler.handle(null);
            }
        }
    }

    @Override
    public void handler(Handler<Req> handler) {
        call.handler(handler);
    }

    @Override
    public void endHandler(Handler<Void> handler) {
        call.endHandler(handler);
    }

    @Override
    public void closeHandler(Handler<Void> handler) {
        this.closeHandler = handler;
    }

    @Override
    public void pause() {
        call.pause();
    }

    @Override
    public void resume() {
        call.resume();
    }

    @Override
    public void write(Resp response) {
        call.response().write(response);
    }

    @Override
    public boolean writeQueueFull() {
        return call.response().writeQueueFull();
    }

    @Override
    public void drainHandler(Handler<Void> handler) {
        call.response().drainHandler(handler);
    }

    @Override
    public void end() {
        call.response().end();
    }

    @Override
    public void fail(Throwable error) {
        GrpcErrors.fail(call.response(), error);
    }

    @Override
    public io.vertcd.server.auth.Caller caller() {
        return GrpcRoutes.caller(call);
    }
}
