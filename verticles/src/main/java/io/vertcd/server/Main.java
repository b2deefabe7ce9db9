package io.vertcd.server;

import io.vertcd.server.cli.ConfigException;
import io.vertcd.server.cli.EtcdCommandLine;
import io.vertcd.server.cli.FlagSyntaxException;
import io.vertcd.server.cli.ServerCommand;
import io.vertcd.server.cli.ServerConfig;
import io.vertcd.server.cli.Versions;
import io.vertcd.server.logging.LogSetup;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.List;
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
    /**
     * How long start-up may take before the member gives up, minutes: opening a large store and replaying the log
     * can take minutes on a loaded machine (etcd sets no bound; a hung start must still end).
     */
    private static final long START_TIMEOUT_MINUTES = 5;

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
        EtcdCommandLine.Result parsed;
        try {
            parsed = EtcdCommandLine.parse(List.of(args), System.getenv());
        } catch (FlagSyntaxException e) {
            System.err.println(e.getMessage());
            System.err.println("Try 'vertcd --help' for the list of flags.");
            System.exit(2);
            return;
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(1);
            return;
        }
        CommandLine cl = parsed.commandLine();
        if (parsed.help()) {
            cl.usage(System.out);
            return;
        }
        if (parsed.version()) {
            cl.printVersionHelp(System.out);
            return;
        }
        ServerCommand command = parsed.command();
        ServerConfig config;
        try {
            System.setProperty("vertcd.log.level", command.logbackLevel()); // for a -Dlogback.configurationFile
            config = command.toConfig();
            io.vertcd.server.auth.TokenProviders.create(config.auth()); // refuses bad --auth-token options and keys
            LogSetup.configure(command.logger(), command.logOutputs(), command.logbackLevel(), command.logPackageLevels());
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(1);
            return;
        }
        logNotes(parsed.notes());
        for (String flag : command.flagsWithoutEffect()) {
            LoggerFactory.getLogger(Main.class).atWarn().setMessage("flag has no effect on vertcd (see README, Flags)")
                    .addKeyValue("flag", flag).log();
        }
        run(config);
    }

    /** Logs what the parser noted about the configuration's sources, now that logging is configured. */
    private static void logNotes(List<EtcdCommandLine.Note> notes) {
        Logger log = LoggerFactory.getLogger(EtcdCommandLine.class);
        for (EtcdCommandLine.Note note : notes) {
            var event = log.atLevel(note.level()).setMessage(note.message());
            note.fields().forEach(event::addKeyValue);
            event.log();
        }
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
                    .await(START_TIMEOUT_MINUTES, TimeUnit.MINUTES);
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
