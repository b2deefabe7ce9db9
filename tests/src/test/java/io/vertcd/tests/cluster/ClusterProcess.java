package io.vertcd.tests.cluster;

import io.vertcd.tests.Etcdctl;
import io.vertcd.tests.LiveProcesses;
import io.vertcd.tests.MemberKind;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * N members of one cluster as child processes on 127.0.0.1 — real etcd or the vertcd jar, started
 * with the same etcd flags — with a {@link TcpProxy} in front of every member's peer port.
 *
 * <p>Member {@code i} (named {@code m1..mN}) listens for peers on its own port but advertises its
 * proxy's URL in {@code --initial-advertise-peer-urls} and {@code --initial-cluster}, so all peer
 * traffic into it passes the proxy; the proxy attributes every connection to the member process that
 * dialed it ({@link ProcSocketOwners}), which gives per-link control: {@link #isolate},
 * {@link #partition}, {@link #delayLink}, {@link #heal}. Processes can be killed (SIGKILL), stopped
 * (SIGTERM), paused (SIGSTOP) and resumed (SIGCONT) and restarted on the same data directory.
 *
 * <p>Ports come from 27200-27999. Logs go to {@code target/e2e-logs/cluster-<token>-mI-<n>.log}.
 * Every live process is killed by a shutdown hook too.
 */
public final class ClusterProcess implements AutoCloseable {
    /**
     * Upper bound on the cluster becoming healthy (three JVMs starting at once on a loaded 2-core machine took over
     * 60 s to open their stores).
     */
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final int FIRST_PORT = 27200;
    private static final int LAST_PORT = 27999;
    private static int nextPort = FIRST_PORT + (int) (ProcessHandle.current().pid() % 200);
    private static final Path TARGET = Path.of(System.getProperty("user.dir"), "target");

    /** One member's fixed identity and its current process. */
    public final class Member {
        final String name;
        final int clientPort;
        final int peerPort;
        final TcpProxy proxy;
        final Path dataDir;
        Process process;
        int starts;
        Path logFile;
        /** Joins a running cluster ({@code --initial-cluster-state existing}) instead of founding it. */
        boolean joins;

        Member(String name, int clientPort, int peerPort, TcpProxy proxy, Path dataDir) {
            this.name = name;
            this.clientPort = clientPort;
            this.peerPort = peerPort;
            this.proxy = proxy;
            this.dataDir = dataDir;
        }

        /** @return {@code m1}..{@code mN} */
        public String name() {
            return name;
        }

        /** @return the data directory ({@code --data-dir}); absent until the member first starts */
        public Path dataDir() {
            return dataDir;
        }

        /** @return the client URL */
        public String clientUrl() {
            return "http://127.0.0.1:" + clientPort;
        }

        /** @return the advertised peer URL (the proxy); https when the members have peer TLS flags */
        public String peerUrl() {
            return peerScheme() + "://127.0.0.1:" + proxy.port();
        }

        /** @return the member's own peer port (behind the proxy) */
        public int peerPort() {
            return peerPort;
        }

        /** @return true while the process runs */
        public boolean isAlive() {
            return process != null && process.isAlive();
        }

        /** @return the latest log file */
        public Path logFile() {
            return logFile;
        }

        /** @return the proxy in front of this member's peer port */
        public TcpProxy proxy() {
            return proxy;
        }
    }

    private final MemberKind kind;
    private final String token;
    private final List<String> extraFlags;
    /** JVM options of every vertcd member (none by default). */
    private List<String> jvmArgs = List.of();
    private final Vertx vertx = Vertx.vertx();
    private final List<Member> members = new ArrayList<>();

    private ClusterProcess(MemberKind kind, String token, int size, List<String> extraFlags) {
        this.kind = kind;
        this.token = token;
        this.extraFlags = extraFlags;
        try {
            Path root = TARGET.resolve("e2e-data");
            Files.createDirectories(root);
            for (int i = 1; i <= size; i++) {
                int peerPort = port();
                TcpProxy proxy = TcpProxy.start(vertx, port(), "127.0.0.1", peerPort,
                        remotePort -> vertx.executeBlocking(() -> ProcSocketOwners.owner(remotePort, pids())));
                Path dir = Files.createTempDirectory(root, "cluster-" + token + "-m" + i + "-");
                Files.delete(dir); // etcd creates its data dir itself
                members.add(new Member("m" + i, port(), peerPort, proxy, dir));
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Describes and starts a new cluster, returning once every member answers a linearizable
     * {@code endpoint health}.
     *
     * @param kind etcd or vertcd
     * @param size number of members (3 or 5)
     * @param token {@code --initial-cluster-token}
     * @param extraFlags further flags for every member
     * @return the running cluster
     * @throws IllegalStateException when it does not become healthy within {@link #READY_TIMEOUT}
     */
    public static ClusterProcess start(MemberKind kind, int size, String token, String... extraFlags) {
        return start(kind, size, token, List.of(), extraFlags);
    }

    /**
     * As {@link #start(MemberKind, int, String, String...)}, with JVM options for every vertcd member (e.g.
     * {@code -Dvertcd.test.poisonKey=...}); kept across restarts.
     */
    public static ClusterProcess start(MemberKind kind, int size, String token, List<String> jvmArgs,
            String... extraFlags) {
        ClusterProcess c = new ClusterProcess(kind, token, size, List.of(extraFlags));
        c.jvmArgs = List.copyOf(jvmArgs);
        try {
            for (int i = 0; i < size; i++) {
                c.launch(i);
            }
            for (int i = 0; i < size; i++) {
                c.awaitHealthy(i);
            }
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /**
     * Describes a cluster without starting it, e.g. to restore a snapshot into its members' data directories first
     * ({@link Member#dataDir()}, {@link #initialCluster()}); {@link #startAll()} then starts it.
     */
    public static ClusterProcess describe(MemberKind kind, int size, String token, String... extraFlags) {
        return new ClusterProcess(kind, token, size, List.of(extraFlags));
    }

    /**
     * Starts every member of a described cluster, one at a time (the next once the previous one listens on its peer
     * port, so that a loaded machine does not have every member opening its stores at once), then waits until each
     * answers a linearizable health check.
     *
     * @param timeout how long each member may take to listen, and then to answer
     * @return this
     * @throws IllegalStateException when a member exits or does not listen or answer within {@code timeout}
     */
    public ClusterProcess startAll(Duration timeout) {
        for (int i = 0; i < members.size(); i++) {
            launch(i);
            awaitPeerPort(i, timeout);
        }
        for (int i = 0; i < members.size(); i++) {
            awaitHealthy(i, timeout);
        }
        return this;
    }

    /** @return the token ({@code --initial-cluster-token}) */
    public String token() {
        return token;
    }

    private static synchronized int port() {
        for (int tries = 0; tries <= LAST_PORT - FIRST_PORT; tries++) {
            int p = nextPort;
            nextPort = nextPort == LAST_PORT ? FIRST_PORT : nextPort + 1;
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p));
                return p;
            } catch (IOException busy) {
                // next
            }
        }
        throw new IllegalStateException("no free port in " + FIRST_PORT + "-" + LAST_PORT);
    }

    private Map<String, Long> pids() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Member x : members) {
            Process p = x.process;
            if (p != null && p.isAlive()) {
                m.put(x.name, p.pid());
            }
        }
        return m;
    }

    /** @return the members, index 0 is m1 */
    public List<Member> members() {
        return List.copyOf(members);
    }

    /** @return every client URL, comma-separated (etcdctl's --endpoints) */
    public String clientUrls() {
        return members.stream().map(Member::clientUrl).collect(Collectors.joining(","));
    }

    /** @return https when the extra flags configure peer TLS ({@code --peer-cert-file}, {@code --peer-auto-tls}) */
    private String peerScheme() {
        return extraFlags.stream().anyMatch(f -> f.startsWith("--peer-cert-file") || f.startsWith("--peer-auto-tls"))
                ? "https" : "http";
    }

    /** @return {@code --initial-cluster}: every member's name and peer URL */
    public String initialCluster() {
        return members.stream().map(m -> m.name + "=" + m.peerUrl()).collect(Collectors.joining(","));
    }

    private void launch(int i) {
        Member m = members.get(i);
        boolean first = m.starts == 0;
        List<String> flags = new ArrayList<>(List.of(
                "--name=" + m.name,
                "--data-dir=" + m.dataDir,
                "--listen-client-urls=" + m.clientUrl(),
                "--advertise-client-urls=" + m.clientUrl(),
                "--listen-peer-urls=" + peerScheme() + "://127.0.0.1:" + m.peerPort,
                "--initial-advertise-peer-urls=" + m.peerUrl(),
                "--initial-cluster=" + initialCluster(),
                "--initial-cluster-token=" + token,
                "--initial-cluster-state=" + (m.joins ? "existing" : "new")));
        flags.addAll(extraFlags);
        try {
            Path logs = TARGET.resolve("e2e-logs");
            Files.createDirectories(logs);
            m.starts++;
            m.logFile = logs.resolve("cluster-" + token + "-" + m.name + "-" + kind.name().toLowerCase() + "-"
                    + m.starts + ".log");
            ProcessBuilder pb = new ProcessBuilder(kind.command(jvmArgs, flags)).redirectErrorStream(true)
                    .redirectOutput(m.logFile.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("ETCD_") || k.startsWith("ETCDCTL_"));
            m.process = pb.start();
            m.process.getOutputStream().close();
            LiveProcesses.add(m.process);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!first) {
            awaitHealthy(i);
        }
    }

    private void awaitHealthy(int i) {
        awaitHealthy(i, READY_TIMEOUT);
    }

    private void awaitHealthy(int i, Duration timeout) {
        Member m = members.get(i);
        long deadline = System.nanoTime() + timeout.toNanos();
        Etcdctl ctl = new Etcdctl(m.clientUrl());
        Etcdctl.Result last = null;
        while (System.nanoTime() < deadline) {
            if (!m.process.isAlive()) {
                throw new IllegalStateException(m.name + " exited with " + m.process.exitValue() + "; log "
                        + m.logFile + ":\n" + tail(m));
            }
            last = ctl.run("--dial-timeout=1s", "--command-timeout=2s", "endpoint", "health");
            if (last.ok()) {
                return;
            }
            sleep(200);
        }
        throw new IllegalStateException(m.name + " not healthy within " + timeout + "; last probe: " + last
                + "\nlog " + m.logFile + ":\n" + tail(m));
    }

    private void awaitPeerPort(int i, Duration timeout) {
        Member m = members.get(i);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!m.process.isAlive()) {
                throw new IllegalStateException(m.name + " exited with " + m.process.exitValue() + "; log "
                        + m.logFile + ":\n" + tail(m));
            }
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), m.peerPort), 1000);
                return;
            } catch (IOException notYet) {
                sleep(200);
            }
        }
        throw new IllegalStateException(m.name + " did not listen on its peer port within " + timeout
                + "; log " + m.logFile + ":\n" + tail(m));
    }

    private static String tail(Member m) {
        try {
            List<String> lines = Files.readAllLines(m.logFile, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e + ")";
        }
    }

    /**
     * @return the index of the member every live member reports as leader, or -1 when they do not
     *         agree on one (or none is reachable)
     */
    public int leaderIndex() {
        Etcdctl.Result r = new Etcdctl(liveClientUrls()).run("--dial-timeout=1s", "--command-timeout=2s",
                "endpoint", "status", "-w", "json");
        if (!r.ok() && r.stdout().isBlank()) {
            return -1;
        }
        Matcher leader = Pattern.compile("\"leader\":(\\d+)").matcher(r.stdout());
        Matcher member = Pattern.compile("\"Endpoint\":\"([^\"]+)\".*?\"member_id\":(\\d+)").matcher(r.stdout());
        Set<String> leaders = new java.util.HashSet<>();
        while (leader.find()) {
            leaders.add(leader.group(1));
        }
        if (leaders.size() != 1) {
            return -1;
        }
        String id = leaders.iterator().next();
        while (member.find()) {
            if (member.group(2).equals(id)) {
                for (int i = 0; i < members.size(); i++) {
                    if (members.get(i).clientUrl().equals(member.group(1))) {
                        return i;
                    }
                }
            }
        }
        return -1;
    }

    /**
     * Waits until the live members agree on a leader.
     *
     * @param timeout upper bound
     * @return the leader's index
     * @throws IllegalStateException when they do not within the timeout
     */
    public int awaitLeader(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            int l = leaderIndex();
            if (l >= 0) {
                return l;
            }
            sleep(100);
        }
        throw new IllegalStateException("no agreed leader within " + timeout);
    }

    private String liveClientUrls() {
        return members.stream().filter(Member::isAlive).map(Member::clientUrl).collect(Collectors.joining(","));
    }

    /** SIGKILL member {@code i} and wait for it to be gone. */
    public void kill(int i) {
        Process p = members.get(i).process;
        if (p != null) {
            p.destroyForcibly();
            LiveProcesses.waitGone(p, Duration.ofSeconds(30));
        }
    }

    /** SIGTERM member {@code i}; kill it if it has not exited within 20 s. */
    public void stop(int i) {
        Process p = members.get(i).process;
        if (p != null && p.isAlive()) {
            p.destroy();
            if (!LiveProcesses.waitGone(p, Duration.ofSeconds(20))) {
                kill(i);
            }
        }
    }

    /**
     * Describes one more member ({@code m<N+1>}, its own proxy, ports and data directory) without
     * starting it: add it to the cluster first (e.g. {@code etcdctl member add <name> --peer-urls=<peerUrl>}),
     * then {@link #startAdded}. Every later launch lists it in {@code --initial-cluster}.
     *
     * @return the new member's index
     */
    public int prepareMember() {
        try {
            int i = members.size() + 1;
            int peerPort = port();
            TcpProxy proxy = TcpProxy.start(vertx, port(), "127.0.0.1", peerPort,
                    remotePort -> vertx.executeBlocking(() -> ProcSocketOwners.owner(remotePort, pids())));
            Path dir = Files.createTempDirectory(TARGET.resolve("e2e-data"), "cluster-" + token + "-m" + i + "-");
            Files.delete(dir);
            Member m = new Member("m" + i, port(), peerPort, proxy, dir);
            m.joins = true;
            members.add(m);
            return members.size() - 1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a member made by {@link #prepareMember} with {@code --initial-cluster-state existing}; waits until healthy. */
    public void startAdded(int i) {
        if (!members.get(i).joins || members.get(i).starts > 0) {
            throw new IllegalStateException(members.get(i).name + " is not a prepared member");
        }
        launch(i);
        awaitHealthy(i);
    }

    /**
     * Starts a member made by {@link #prepareMember} that was added as a learner: a learner refuses
     * the linearizable read of {@code endpoint health}, so this waits until it answers
     * {@code endpoint status} instead.
     */
    public void startAddedLearner(int i) {
        Member m = members.get(i);
        if (!m.joins || m.starts > 0) {
            throw new IllegalStateException(m.name + " is not a prepared member");
        }
        launch(i);
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Etcdctl ctl = new Etcdctl(m.clientUrl());
        Etcdctl.Result last = null;
        while (System.nanoTime() < deadline) {
            if (!m.process.isAlive()) {
                throw new IllegalStateException(m.name + " exited; log " + m.logFile + ":\n" + tail(m));
            }
            last = ctl.run("--dial-timeout=1s", "--command-timeout=2s", "endpoint", "status");
            if (last.ok()) {
                return;
            }
            sleep(200);
        }
        throw new IllegalStateException(m.name + " does not answer within " + READY_TIMEOUT + "; last: " + last);
    }

    /** Restarts a dead member on its data directory and waits until it is healthy. */
    public void restart(int i) {
        if (members.get(i).isAlive()) {
            throw new IllegalStateException(members.get(i).name + " is running");
        }
        launch(i);
    }

    /** SIGSTOP member {@code i}: it freezes with its sockets open. */
    public void pause(int i) {
        signal(i, "STOP");
    }

    /** SIGCONT member {@code i}. */
    public void resume(int i) {
        signal(i, "CONT");
    }

    private void signal(int i, String sig) {
        try {
            Process k = new ProcessBuilder("kill", "-" + sig, String.valueOf(members.get(i).process.pid())).start();
            if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
                throw new IllegalStateException("kill -" + sig + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sets the state of both directions of peer traffic between members {@code a} and {@code b}. */
    public void setLink(int a, int b, LinkState state) {
        members.get(a).proxy.setLink(members.get(b).name, state);
        members.get(b).proxy.setLink(members.get(a).name, state);
    }

    /** Blackholes all peer traffic between member {@code i} and every other member. */
    public void isolate(int i) {
        for (int j = 0; j < members.size(); j++) {
            if (j != i) {
                setLink(i, j, LinkState.BLACKHOLE);
            }
        }
    }

    /** Blackholes all peer traffic between the two sides (indexes in {@code side}, and the rest). */
    public void partition(Set<Integer> side) {
        for (int a : side) {
            for (int b = 0; b < members.size(); b++) {
                if (!side.contains(b)) {
                    setLink(a, b, LinkState.BLACKHOLE);
                }
            }
        }
    }

    /** Delays both directions between {@code a} and {@code b} by {@code ms} each way. */
    public void delayLink(int a, int b, long ms) {
        setLink(a, b, LinkState.delayed(ms));
    }

    /** Restores every link. */
    public void heal() {
        members.forEach(m -> m.proxy.setAll(LinkState.HEALTHY));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Kills every member, closes the proxies and deletes the data directories (logs stay). */
    @Override
    public void close() {
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            if (m.process != null && !m.process.isAlive()) {
                continue;
            }
            if (m.process != null) {
                resumeQuietly(i);
                kill(i);
            }
        }
        for (Member m : members) {
            m.proxy.close();
            deleteRecursively(m.dataDir);
        }
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("closing the proxies' Vert.x", e);
        }
    }

    private void resumeQuietly(int i) {
        try {
            signal(i, "CONT");
        } catch (RuntimeException ignored) {
            // already gone
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
