package io.vertcd.tests.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Finds which process owns the local end of a loopback TCP connection, from Linux's
 * {@code /proc/net/tcp} (and {@code tcp6}) and {@code /proc/<pid>/fd}. This lets a {@link TcpProxy}
 * in front of one member attribute each accepted connection to the member that dialed it, without
 * knowing the peer protocol, for real etcd and vertcd alike. Blocking file reads: call it off the
 * event loop.
 */
public final class ProcSocketOwners {
    private ProcSocketOwners() {
    }

    /**
     * @param localPort the client-side port of a connection on 127.0.0.1 (the remote port the proxy sees)
     * @param candidates processes to look in, by name
     * @return the name of the candidate owning that socket, or null when none does (or not Linux)
     */
    public static String owner(int localPort, Map<String, Long> candidates) {
        OptionalLong inode = inodeOfLocalPort(localPort);
        if (inode.isEmpty()) {
            return null;
        }
        String target = "socket:[" + inode.getAsLong() + "]";
        for (Map.Entry<String, Long> c : candidates.entrySet()) {
            Path fds = Path.of("/proc", String.valueOf(c.getValue()), "fd");
            try (Stream<Path> s = Files.list(fds)) {
                for (Path fd : (Iterable<Path>) s::iterator) {
                    try {
                        if (target.equals(Files.readSymbolicLink(fd).toString())) {
                            return c.getKey();
                        }
                    } catch (IOException e) {
                        // fd closed meanwhile
                    }
                }
            } catch (IOException e) {
                // process gone
            }
        }
        return null;
    }

    private static OptionalLong inodeOfLocalPort(int port) {
        String hexPort = String.format(Locale.ROOT, ":%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                    // Skip listeners (0A) and sockets no process holds any more (inode 0, e.g. an
                    // earlier connection from the same ephemeral port still in TIME_WAIT).
                    if (f.length > 9 && f[1].endsWith(hexPort) && !"0A".equals(f[3]) && !"0".equals(f[9])) {
                        return OptionalLong.of(Long.parseLong(f[9]));
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // not Linux, or unreadable: fall through
            }
        }
        return OptionalLong.empty();
    }
}
