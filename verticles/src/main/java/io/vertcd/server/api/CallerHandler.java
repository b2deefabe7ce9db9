package io.vertcd.server.api;

import io.vertcd.server.auth.Caller;
import io.vertcd.statemachine.EtcdException;
import io.vertx.core.Future;

/**
 * One unary method that needs to know who calls (auth): as {@link UnaryHandler}, with the {@link Caller} the gRPC
 * metadata (or, from the JSON gateway, the HTTP headers) presented. Runs on the event loop that received the call;
 * must not block.
 *
 * @param <Req> the request message
 * @param <Resp> the response message
 */
@FunctionalInterface
public interface CallerHandler<Req, Resp> {
    /** @return the response, completing on the caller's event loop */
    Future<Resp> handle(Caller caller, Req request) throws EtcdException;
}
