package io.vertcd.server;

import io.vertcd.server.cli.ServerCommand;
import io.vertcd.server.cli.ServerConfig;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import picocli.CommandLine;

/**
 * Members of one cluster in this JVM, each in its own Vert.x instance, with real WALs, stores, peer
 * transport and client gRPC on loopback. Member {@code i} is {@code m<i>} with client port
 * {@code base + 2i} and peer port {@code base + 2i + 1}; the first {@code founders} members form the
 * initial cluster. Waits are bounded polls (30 s), never timing assertions.
 */
final class InProcessCluster implements AutoCloseable {
    static final long WAIT_MS = 30_000;

    private final Path dir;
    private final int basePort;
    private final int founders;
    private final String token;
    private final Vertx[] vertx;
    private final VertcdServer[] servers;
    private final TestGrpcClient[] clients;
    /** Unrecoverable errors reported by each member's Raft driver. */
    final Map<Integer, Throwable> fatal = new ConcurrentHashMap<>();
    /** Flags added to every member's command line. */
    String[] extraFlags = new String[0];

    InProcessCluster(Path dir, int basePort, int founders, int capacity, String token) {
        this.dir = dir;
        this.basePort = basePort;
        this.founders = founders;
        this.token = token;
        this.vertx = new Vertx[capacity];
        this.servers = new VertcdServer[capacity];
        this.clients = new TestGrpcClient[capacity];
    }

    int clientPort(int i) {
        return basePort + 2 * i;
    }

    String peerUrl(int i) {
        return "http://127.0.0.1:" + (basePort + 2 * i + 1);
    }

    /** Starts member {@code i} of a new cluster (the founders as --initial-cluster). */
    void start(int i) throws Exception {
        List<String> cluster = new ArrayList<>();
        for (int j = 0; j < founders; j++) {
            cluster.add("m" + j + "=" + peerUrl(j));
        }
        start(i, String.join(",", cluster), "new");
    }

    /** Starts member {@code i} with the given --initial-cluster and --initial-cluster-state. */
    void start(int i, String initialCluster, String state) throws Exception {
        String client = "http://127.0.0.1:" + clientPort(i);
        CommandLine cl = ServerCommand.commandLine(Map.of());
        List<String> args = new ArrayList<>(List.of("--name", "m" + i, "--data-dir", dir.resolve("m" + i).toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peerUrl(i), "--initial-advertise-peer-urls", peerUrl(i),
                "--initial-cluster", initialCluster, "--initial-cluster-token", token,
                "--initial-cluster-state", state));
        args.addAll(List.of(extraFlags));
        cl.parseArgs(args.toArray(String[]::new));
        ServerConfig config = cl.<ServerCommand>getCommand().toConfig();
        vertx[i] = Vertx.vertx();
        try {
            // a member opens its stores on worker threads: slow on a loaded machine, so the bound is generous
            servers[i] = VertcdServer.start(vertx[i], config, 1, t -> fatal.put(i, t)).await(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            vertx[i].close().await(30, TimeUnit.SECONDS);
            vertx[i] = null;
            throw e;
        }
        clients[i] = new TestGrpcClient(vertx[i], clientPort(i));
    }

    /** Stops member {@code i} (gracefully) and closes its Vert.x; a no-op when it is not running. */
    void stop(int i) throws Exception {
        if (servers[i] == null) {
            return;
        }
        clients[i].close();
        servers[i].stop().await(30, TimeUnit.SECONDS);
        vertx[i].close().await(30, TimeUnit.SECONDS);
        vertx[i] = null;
        servers[i] = null;
    }

    VertcdServer server(int i) {
        return servers[i];
    }

    TestGrpcClient client(int i) {
        return clients[i];
    }

    /** @return the index of the member every running member follows, once they agree */
    int awaitAgreedLeader() throws InterruptedException {
        int[] found = {-1};
        await("the running members agree on a leader", () -> {
            long lead = -1;
            for (VertcdServer s : servers) {
                if (s == null) {
                    continue;
                }
                long l = s.node().leader();
                if (l == 0 || (lead != -1 && l != lead)) {
                    return false;
                }
                lead = l;
            }
            for (int i = 0; i < servers.length; i++) {
                if (servers[i] != null && servers[i].node().memberId() == lead) {
                    found[0] = i;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT_MS + " ms: " + what);
            }
            Thread.sleep(50);
        }
    }

    PutResponse put(int i, String key, String value) throws Exception {
        return clients[i].ok("KV", "Put", PutRequest.newBuilder().setKey(b(key)).setValue(b(value)).build(),
                PutResponse.getDefaultInstance());
    }

    RangeResponse get(int i, String key, boolean serializable) throws Exception {
        return clients[i].ok("KV", "Range", RangeRequest.newBuilder().setKey(b(key)).setSerializable(serializable).build(),
                RangeResponse.getDefaultInstance());
    }

    /** @return true once member {@code i} serves {@code value} for {@code key} from its own store */
    boolean holds(int i, String key, String value) {
        try {
            return value.equals(value(get(i, key, true)));
        } catch (Exception e) {
            return false;
        }
    }

    static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    static String value(RangeResponse r) {
        return r.getKvsCount() == 0 ? null : r.getKvs(0).getValue().toStringUtf8();
    }

    @Override
    public void close() throws Exception {
        for (int i = 0; i < servers.length; i++) {
            if (servers[i] != null) {
                stop(i);
            } else if (vertx[i] != null) {
                vertx[i].close().await(30, TimeUnit.SECONDS);
            }
        }
    }
}
