package io.vertcd.server;

import io.vertcd.server.cli.ConfigException;
import io.vertcd.server.cli.ServerCommand;
import io.vertcd.server.cli.ServerConfig;
import io.vertcd.server.cli.Versions;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;
import sun.misc.SignalHandler;
import picocli.CommandLine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code vertcd} entry point ({@code vertcd snapshot restore|status} goes to {@link SnapshotCommands}): parses etcd's flags and {@code ETCD_*} variables
 * ({@link ServerCommand}), then runs one member until SIGTERM/SIGINT, which stop it cleanly. Exit codes: 0 after
 * {@code --help}/{@code --version} or a clean stop, 1 when the configuration is refused or the
 * member cannot start or fails, 2 for a flag the parser does not know (as Go's flag package).
 */
public final class Main {
    private Main() {
    }

    /** @param args etcd-style flags */
    public static void main(String[] args) {
        // Before any Chronicle class loads.
        System.setProperty("chronicle.analytics.disable", "true");
        if (args.length > 0 && args[0].equals("snapshot")) {
            System.exit(SnapshotCommands.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
            return;
        }
        CommandLine cl = ServerCommand.commandLine(System.getenv());
        try {
            cl.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            System.err.println("vertcd: " + e.getMessage());
            System.err.println("Try 'vertcd --help' for the list of flags.");
            System.exit(2);
            return;
        }
        if (cl.isUsageHelpRequested()) {
            cl.usage(System.out);
            return;
        }
        if (cl.isVersionHelpRequested()) {
            cl.printVersionHelp(System.out);
            return;
        }
        ServerCommand command = cl.getCommand();
        ServerConfig config;
        try {
            System.setProperty("vertcd.log.level", command.logbackLevel()); // read by conf/logback.xml
            config = command.toConfig();
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(1);
            return;
        }
        run(config);
    }

    private static void run(ServerConfig config) {
        Logger log = LoggerFactory.getLogger(Main.class);
        log.info("vertcd {} (etcd API {}) starting member {} with data dir {}", Versions.VERTCD_VERSION,
                Versions.ETCD_SERVER_VERSION, config.name(), config.dataDir().toAbsolutePath());
        // One event loop per core (Vert.x defaults to two): fewer cross-thread hops between a
        // client connection and the Raft driver; measured faster with bench/ on 2 cores.
        VertxOptions options = new VertxOptions().setEventLoopPoolSize(Runtime.getRuntime().availableProcessors());
        Vertx vertx = Vertx.vertx(options);
        VertcdServer server;
        try {
            server = VertcdServer.start(vertx, config, options.getEventLoopPoolSize(), error -> exitLater(1))
                    .await(60, TimeUnit.SECONDS);
        } catch (Exception | Error e) {
            // Errors too (e.g. NoClassDefFoundError): a member that cannot start must not linger.
            log.error("vertcd: cannot start: {}", String.valueOf(e.getMessage()), e);
            vertx.close();
            System.exit(1);
            return;
        }
        installStopSignals(() -> {
            log.info("stopping member {}", config.name());
            try {
                server.stop().await(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("clean stop did not finish: {}", e.toString());
            }
            try {
                vertx.close().await(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("closing Vert.x did not finish: {}", e.toString());
            }
            log.info("stopped");
        });
    }

    /**
     * SIGTERM and SIGINT stop the member cleanly, then exit 0. A signal handler rather than a
     * JVM shutdown hook: Chronicle closes its queues and maps in its own shutdown hooks, which
     * would race with the final checkpoint.
     */
    private static void installStopSignals(Runnable stop) {
        AtomicBoolean stopping = new AtomicBoolean();
        SignalHandler handler = signal -> {
            if (stopping.compareAndSet(false, true)) {
                new Thread(() -> {
                    stop.run();
                    System.exit(0);
                }, "vertcd-stop").start();
            }
        };
        Signal.handle(new Signal("TERM"), handler);
        Signal.handle(new Signal("INT"), handler);
    }

    /** Exits from a fresh thread: System.exit on a Vert.x thread would wait on itself in the shutdown hook. */
    private static void exitLater(int code) {
        new Thread(() -> System.exit(code), "vertcd-exit").start();
    }
}
