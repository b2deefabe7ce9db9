package io.vertcd.server.node;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * A result the Raft driver owes a caller on another context: completing it hops back to the
 * caller's context with {@link Context#runOnContext}, so the caller's callbacks run on its own
 * event loop. Completes at most once; later completions are ignored.
 *
 * @param <T> the result type
 */
public final class Reply<T> {
    private final Context caller;
    private final Promise<T> promise = Promise.promise();
    private boolean done; // touched only by the driver context

    private Reply(Context caller) {
        this.caller = caller;
    }

    /** @return a reply bound to the current Vert.x context (or a fresh one of {@code vertx} when called from a plain thread) */
    public static <T> Reply<T> forCurrentContext(Vertx vertx) {
        return new Reply<>(vertx.getOrCreateContext());
    }

    /** @return the future the caller listens on; it completes on the caller's context */
    public Future<T> future() {
        return promise.future();
    }

    /** @return true once {@link #complete} or {@link #fail} was called */
    public boolean isDone() {
        return done;
    }

    /** Completes with a value on the caller's context. */
    public void complete(T value) {
        if (done) {
            return;
        }
        done = true;
        caller.runOnContext(v -> promise.complete(value));
    }

    /** Fails with an error on the caller's context. */
    public void fail(Throwable error) {
        if (done) {
            return;
        }
        done = true;
        caller.runOnContext(v -> promise.fail(error));
    }
}
