package io.vertcd.tests;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Hands out TCP ports on 127.0.0.1 from the range the end-to-end tests own, 32300-32999, skipping
 * ports that cannot be bound right now. Ports are handed out round-robin so that a port released by
 * one test is not reused by the next one while it may still be in TIME_WAIT.
 */
public final class Ports {
    /** First port of the range (inclusive). */
    public static final int FIRST = 32300;
    /** Last port of the range (inclusive). */
    public static final int LAST = 32999;

    private static int next = FIRST;

    private Ports() {
    }

    /**
     * @return a port in [{@link #FIRST}, {@link #LAST}] that was free when checked
     * @throws IllegalStateException when every port of the range is taken
     */
    public static synchronized int next() {
        for (int tries = 0; tries <= LAST - FIRST; tries++) {
            int port = next;
            next = next == LAST ? FIRST : next + 1;
            if (isFree(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port in " + FIRST + "-" + LAST);
    }

    /**
     * @param port a TCP port
     * @return true when 127.0.0.1:port can be bound now
     */
    public static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
