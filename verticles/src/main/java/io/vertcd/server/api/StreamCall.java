package io.vertcd.server.api;

import io.vertcd.server.auth.Caller;
import io.vertx.core.Handler;

/**
 * One call of a streaming method as its service sees it, whatever carries it: a gRPC call
 * ({@link GrpcStreamCall}) or a request of the JSON gateway ({@code http.GatewayStreamCall}). Event-loop confined:
 * every handler runs, and every method must be called, on the event loop that received the call.
 *
 * @param <Req> the request message
 * @param <Resp> the response message
 */
public interface StreamCall<Req, Resp> {
    /** @param handler gets each request, in order */
    void handler(Handler<Req> handler);

    /** @param handler runs once the client has finished sending (half-close, end of the HTTP body) */
    void endHandler(Handler<Void> handler);

    /** @param handler runs once when the client has gone: cancelled the call, reset the stream, closed the connection */
    void closeHandler(Handler<Void> handler);

    /** Stops reading requests (transport flow control then holds the client back). */
    void pause();

    /** Reads requests again after {@link #pause()}. */
    void resume();

    /** Sends one response. */
    void write(Resp response);

    /** @return true while the transport's send buffer is full; wait for {@link #drainHandler} */
    boolean writeQueueFull();

    /** @param handler runs once the send buffer has room again */
    void drainHandler(Handler<Void> handler);

    /** Ends the call with success (gRPC status OK, the end of the HTTP response). */
    void end();

    /** Ends the call with the status for {@code error} (as {@link GrpcErrors#fail}). */
    void fail(Throwable error);

    /** @return who calls: the token and TLS client certificate the call presented (auth) */
    Caller caller();
}
