package io.vertcd.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * One single-member cluster running as a child process: real etcd or the vertcd jar, started with
 * etcd's flags on 127.0.0.1, a data directory under {@code target/e2e-data/} and a client and a peer
 * port from {@link Ports}.
 *
 * <p>{@link #start()} returns once the client port answers {@code etcdctl endpoint health} (a
 * linearizable get through gRPC), or throws after {@link #READY_TIMEOUT} or as soon as the process
 * exits. Standard output and error go to {@code target/e2e-logs/<name>-<n>.log}, one file per start.
 * {@link #kill()} sends SIGKILL, {@link #stop()} SIGTERM, {@link #close()} kills and deletes the data
 * directory. Every live process is also killed by a JVM shutdown hook, so nothing outlives the test
 * run even when a test fails or forgets to close.
 */
public final class MemberProcess implements AutoCloseable {
    /** Upper bound on start-up, until the client port answers. */
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    /** Upper bound on a SIGTERM shutdown before {@link #stop()} gives up and kills. */
    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    private static final Path TARGET = Path.of(System.getProperty("user.dir"), "target");

    private final MemberKind kind;
    private final String name;
    private final String token;
    private final int clientPort;
    private final int peerPort;
    private final Path dataDir;
    private final List<String> extraFlags;
    private String clientScheme = "http";
    private String peerScheme = "http";
    private List<String> ctlFlags = List.of();
    private int starts;
    private Process process;
    private Path logFile;

    private MemberProcess(MemberKind kind, String name, String token, int clientPort, int peerPort,
                          Path dataDir, List<String> extraFlags) {
        this.kind = kind;
        this.name = name;
        this.token = token;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.dataDir = dataDir;
        this.extraFlags = List.copyOf(extraFlags);
    }

    /**
     * Describes a member without starting it.
     *
     * @param kind etcd or vertcd
     * @param name {@code --name}, also used for the data and log file names
     * @param extraFlags further flags, e.g. {@code --quota-backend-bytes=1048576}
     * @return the member, with fresh ports and a fresh empty data directory
     */
    public static MemberProcess create(MemberKind kind, String name, String... extraFlags) {
        return create(kind, name, "e2e-" + name, Ports.next(), Ports.next(), extraFlags);
    }

    /**
     * Describes a member on given ports (e.g. to give two members run one after the other the same
     * URLs, hence the same member and cluster IDs).
     *
     * @param kind etcd or vertcd
     * @param name {@code --name}
     * @param token {@code --initial-cluster-token}
     * @param clientPort client port (gRPC), 127.0.0.1
     * @param peerPort peer port, 127.0.0.1
     * @param extraFlags further flags
     * @return the member, with a fresh empty data directory
     */
    public static MemberProcess create(MemberKind kind, String name, String token, int clientPort, int peerPort,
                                       String... extraFlags) {
        try {
            Path root = TARGET.resolve("e2e-data");
            Files.createDirectories(root);
            Path dir = Files.createTempDirectory(root, name + "-" + kind.name().toLowerCase() + "-");
            // etcd wants to create its data dir itself (or find it empty with mode 0700).
            Files.delete(dir);
            return new MemberProcess(kind, name, token, clientPort, peerPort, dir, List.of(extraFlags));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Serves clients and peers over TLS (the certificate flags go in the extra flags). Call before {@link #start()}.
     *
     * @param clientHttps https client URLs
     * @param peerHttps https peer URLs
     * @param etcdctlFlags etcdctl's TLS flags for this member (e.g. {@code --cacert=...}), used by {@link #etcdctl()}
     *     and the readiness probe
     * @return this
     */
    public MemberProcess tls(boolean clientHttps, boolean peerHttps, String... etcdctlFlags) {
        this.clientScheme = clientHttps ? "https" : "http";
        this.peerScheme = peerHttps ? "https" : "http";
        this.ctlFlags = List.of(etcdctlFlags);
        return this;
    }

    /** @return the client URL, {@code http://127.0.0.1:<clientPort>} ({@code https} after {@link #tls}) */
    public String clientUrl() {
        return clientScheme + "://127.0.0.1:" + clientPort;
    }

    /** @return the client address as a gRPC target, {@code 127.0.0.1:<clientPort>} (NettyChannelBuilder.forTarget) */
    public String grpcTarget() {
        return "127.0.0.1:" + clientPort;
    }

    /** @return the peer URL, {@code http://127.0.0.1:<peerPort>} ({@code https} after {@link #tls}) */
    public String peerUrl() {
        return peerScheme + "://127.0.0.1:" + peerPort;
    }

    /** @return the data directory ({@code --data-dir}) */
    public Path dataDir() {
        return dataDir;
    }

    /** @return the kind of server */
    public MemberKind kind() {
        return kind;
    }

    /** @return the log of the latest start (stdout and stderr), or null before the first start */
    public Path logFile() {
        return logFile;
    }

    /** @return an etcdctl bound to this member's client URL */
    public Etcdctl etcdctl() {
        return new Etcdctl(clientUrl(), ctlFlags);
    }

    /** @return true while the process runs */
    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /**
     * Starts the process (again, on the same data directory and ports, if it ran before) and waits
     * until it serves clients.
     *
     * @return this
     * @throws IllegalStateException when it is already running, exits during start-up, or does not
     *         answer within {@link #READY_TIMEOUT}; the message carries the tail of its log
     */
    public MemberProcess start() {
        if (isAlive()) {
            throw new IllegalStateException(name + " is already running");
        }
        List<String> flags = new ArrayList<>(List.of(
                "--name=" + name,
                "--data-dir=" + dataDir,
                "--listen-client-urls=" + clientUrl(),
                "--advertise-client-urls=" + clientUrl(),
                "--listen-peer-urls=" + peerUrl(),
                "--initial-advertise-peer-urls=" + peerUrl(),
                "--initial-cluster=" + name + "=" + peerUrl(),
                "--initial-cluster-token=" + token));
        flags.addAll(extraFlags);
        try {
            Path logs = TARGET.resolve("e2e-logs");
            Files.createDirectories(logs);
            starts++;
            logFile = logs.resolve(dataDir.getFileName() + "-" + starts + ".log");
            ProcessBuilder pb = new ProcessBuilder(kind.command(flags))
                    .redirectErrorStream(true)
                    .redirectOutput(logFile.toFile())
                    .redirectInput(ProcessBuilder.Redirect.PIPE);
            pb.environment().keySet().removeIf(k -> k.startsWith("ETCD_") || k.startsWith("ETCDCTL_"));
            process = pb.start();
            process.getOutputStream().close();
            LiveProcesses.add(process);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitReady();
        return this;
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Etcdctl ctl = etcdctl();
        Etcdctl.Result last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue()
                        + " during start-up; log " + logFile + ":\n" + logTail());
            }
            last = ctl.run("--dial-timeout=1s", "--command-timeout=2s", "endpoint", "health");
            if (last.ok()) {
                return;
            }
            sleep(200);
        }
        kill();
        throw new IllegalStateException(name + " did not answer within " + READY_TIMEOUT + "; last probe: "
                + last + "\nlog " + logFile + ":\n" + logTail());
    }

    /** @return the last lines of the current log, for failure messages */
    public String logTail() {
        if (logFile == null || !Files.exists(logFile)) {
            return "(no log)";
        }
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(unreadable log: " + e + ")";
        }
    }

    /** Sends SIGKILL and waits for the process to be gone. No-op when not running. */
    public void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        LiveProcesses.waitGone(process, Duration.ofSeconds(30));
    }

    /**
     * Sends SIGTERM and waits up to {@link #STOP_TIMEOUT} for a clean exit, then kills.
     *
     * @return the exit code, or -1 when it had to be killed or was not running
     */
    public int stop() {
        if (process == null || !process.isAlive()) {
            return -1;
        }
        process.destroy();
        if (LiveProcesses.waitGone(process, STOP_TIMEOUT)) {
            return process.exitValue();
        }
        kill();
        return -1;
    }

    /** Kills the process and deletes the data directory; the log stays under target/e2e-logs. */
    @Override
    public void close() {
        kill();
        deleteRecursively(dataDir);
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return kind + " " + name + " " + clientUrl() + " data=" + dataDir;
    }
}
