package io.vertcd.server;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocketHandshake;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Holds client requests until the member is ready to serve: until its own name and client URLs are applied to the
 * member table (etcd embed/serve.go waits for {@code ReadyNotify}, which etcd closes once {@code publish} is applied).
 * The client port listens from the start, so clients connect at once; their requests (gRPC calls, WebSocket upgrades)
 * are paused, then handed on, on their own event loop, once the member is ready. After that the gate costs one
 * volatile read per request.
 *
 * <p><b>Bounds.</b> The requests held are bounded by the connections' HTTP/2 concurrent-stream limit
 * ({@link ClientServerVerticle#MAX_CONCURRENT_STREAMS} per connection); a client that gives up closes its stream and
 * its request is dropped when the gate opens.
 */
final class ReadyGate {
    private final BooleanSupplier ready;
    private final Future<Void> whenReady;

    /**
     * @param ready whether the member serves now (read for every request, any thread)
     * @param whenReady completes once it does (on any thread)
     */
    ReadyGate(BooleanSupplier ready, Future<Void> whenReady) {
        this.ready = Objects.requireNonNull(ready, "ready");
        this.whenReady = Objects.requireNonNull(whenReady, "whenReady");
    }

    /** @return a request handler that hands each request to {@code next} once the member is ready */
    Handler<HttpServerRequest> requests(Handler<HttpServerRequest> next) {
        return req -> {
            if (ready.getAsBoolean()) {
                next.handle(req);
                return;
            }
            req.pause();
            later(() -> {
                req.resume();
                next.handle(req);
            });
        };
    }

    /** @return a WebSocket handshake handler that hands each upgrade to {@code next} once the member is ready */
    Handler<ServerWebSocketHandshake> handshakes(Handler<ServerWebSocketHandshake> next) {
        return h -> {
            if (ready.getAsBoolean()) {
                next.handle(h);
            } else {
                later(() -> next.handle(h));
            }
        };
    }

    /** Runs {@code task} on the current context once the member is ready. */
    private void later(Runnable task) {
        Context caller = Vertx.currentContext();
        whenReady.onComplete(ar -> caller.runOnContext(v -> task.run()));
    }
}
