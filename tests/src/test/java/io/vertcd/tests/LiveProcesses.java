package io.vertcd.tests;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The member processes tests have started and not yet seen exit: a JVM shutdown hook kills whatever
 * is left, so an aborted test run leaves no etcd or vertcd behind.
 */
public final class LiveProcesses {
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
                "member-process-reaper"));
    }

    private LiveProcesses() {
    }

    /** Registers a started process (killed at JVM exit unless seen gone first). */
    public static void add(Process p) {
        LIVE.add(p);
    }

    /**
     * Waits for {@code p} to exit.
     *
     * @param timeout how long to wait
     * @return true if it exited within {@code timeout} (it is then forgotten); false otherwise or when
     *     interrupted
     */
    public static boolean waitGone(Process p, Duration timeout) {
        try {
            boolean gone = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (gone) {
                LIVE.remove(p);
            }
            return gone;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
