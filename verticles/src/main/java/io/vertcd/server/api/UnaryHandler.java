package io.vertcd.server.api;

import io.vertcd.statemachine.EtcdException;
import io.vertx.core.Future;

/**
 * One unary gRPC method: validates the request (throwing {@link EtcdException} for a client
 * error) and returns the eventual response. Runs on the event loop that received the call; must
 * not block.
 *
 * @param <Req> the request message
 * @param <Resp> the response message
 */
@FunctionalInterface
public interface UnaryHandler<Req, Resp> {
    /** @return the response, completing on the caller's event loop */
    Future<Resp> handle(Req request) throws EtcdException;
}
