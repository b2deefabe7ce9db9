package io.vertcd.tests;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * Waits in a test thread for something observable to happen, by asking again every
 * {@link #INTERVAL_MS} ms until it holds or a deadline passes. Never for use on an event loop.
 */
public final class Poll {
    /** Pause between two asks, ms. */
    public static final long INTERVAL_MS = 50;

    private Poll() {
    }

    /**
     * Asks {@code ask} until {@code done} accepts its answer or {@code timeout} passes.
     *
     * @return the last answer (accepted, or the one at the deadline: the caller asserts on it)
     */
    public static <T> T until(Duration timeout, Callable<T> ask, Predicate<T> done) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        T answer = ask.call();
        while (!done.test(answer) && System.nanoTime() < deadline) {
            Thread.sleep(INTERVAL_MS);
            answer = ask.call();
        }
        return answer;
    }
}
