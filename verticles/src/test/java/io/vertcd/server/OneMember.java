package io.vertcd.server;

import io.vertcd.server.cli.ConfigException;
import io.vertcd.server.cli.ServerCommand;
import io.vertcd.server.cli.ServerConfig;

import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;

/**
 * One in-process member on fixed loopback ports, started from etcd flags as {@code Main} does, with
 * a gRPC client on its client port, for the service tests. A fatal error the server reports is
 * kept in {@link #fatal} for the test to assert on.
 */
final class OneMember {
    final AtomicReference<Throwable> fatal = new AtomicReference<>();
    VertcdServer server;
    TestGrpcClient client;

    /**
     * @param name {@code --name}
     * @param dataDir {@code --data-dir}
     * @param clientPort client port on 127.0.0.1
     * @param peerPort peer port on 127.0.0.1
     * @param extra further flags
     * @return the configuration the command line gives
     * @throws ConfigException when the flags are refused
     */
    static ServerConfig config(String name, Path dataDir, int clientPort, int peerPort, String... extra)
            throws ConfigException {
        String url = "http://127.0.0.1:" + clientPort;
        String peerUrl = "http://127.0.0.1:" + peerPort;
        List<String> args = new ArrayList<>(List.of("--name", name, "--data-dir", dataDir.toString(),
                "--listen-client-urls", url, "--advertise-client-urls", url,
                "--initial-advertise-peer-urls", peerUrl, "--listen-peer-urls", peerUrl));
        args.addAll(List.of(extra));
        CommandLine cl = ServerCommand.commandLine(java.util.Map.of());
        cl.parseArgs(args.toArray(String[]::new));
        return cl.<ServerCommand>getCommand().toConfig();
    }

    /**
     * Starts the member (two client verticles) and connects the client; waits up to 120 s (a member opens its stores
     * on worker threads, which takes long on a loaded machine, the first time in a JVM most of all).
     */
    void start(Vertx vertx, ServerConfig config) throws Exception {
        server = VertcdServer.start(vertx, config, 2, fatal::set).await(120, TimeUnit.SECONDS);
        client = new TestGrpcClient(vertx, config.listenClientUrls().get(0).getPort());
    }

    /** Closes the client and stops the member, if started; waits up to 30 s. */
    void stop() throws Exception {
        if (server == null) {
            return;
        }
        client.close();
        server.stop().await(30, TimeUnit.SECONDS);
        server = null;
    }
}
