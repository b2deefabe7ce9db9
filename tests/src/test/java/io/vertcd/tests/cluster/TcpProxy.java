package io.vertcd.tests.cluster;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A TCP proxy in front of one member's port, controlled by the test: every accepted connection is
 * attributed to a source (e.g. the member that dialed it, see {@link ProcSocketOwners}) and handled
 * by that source's {@link LinkState} (forward with an optional delay, cut, or blackhole). Changing a
 * link's state applies to its open connections at once. All socket work runs on one Vert.x context;
 * the control methods may be called from any thread. Per-chunk delays keep byte order (one FIFO per
 * direction); a delayed direction holds at most {@link #MAX_DELAYED_BYTES} bytes, beyond which the
 * source socket is paused.
 */
public final class TcpProxy implements AutoCloseable {
    /** Bound on bytes held back per connection direction by a delay, bytes. */
    public static final int MAX_DELAYED_BYTES = 4 << 20;
    /** Source name used when the resolver cannot attribute a connection. */
    public static final String UNKNOWN_SOURCE = "?";

    private final Vertx vertx;
    private final Context context;
    private final String targetHost;
    private final int targetPort;
    private final Function<Integer, Future<String>> sourceOfRemotePort;
    private final Map<String, LinkState> links = new ConcurrentHashMap<>();
    private volatile LinkState defaultState = LinkState.HEALTHY;
    private final Set<Conn> conns = ConcurrentHashMap.newKeySet();
    private NetServer server;
    private NetClient client;
    private int port;

    private TcpProxy(Vertx vertx, String targetHost, int targetPort, Function<Integer, Future<String>> sourceOf) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.sourceOfRemotePort = sourceOf;
    }

    /**
     * Starts a proxy on 127.0.0.1.
     *
     * @param vertx Vert.x instance
     * @param listenPort port to listen on (0: any)
     * @param targetHost proxied host
     * @param targetPort proxied port
     * @param sourceOfRemotePort names the source of a connection from its remote (client) port; runs on
     *        the proxy's context and must not block (use executeBlocking)
     * @return the started proxy
     */
    public static TcpProxy start(Vertx vertx, int listenPort, String targetHost, int targetPort,
                                 Function<Integer, Future<String>> sourceOfRemotePort) {
        TcpProxy p = new TcpProxy(vertx, targetHost, targetPort, sourceOfRemotePort);
        await(Future.<Integer>future(pr -> p.context.runOnContext(v -> p.listen(listenPort).onComplete(pr))));
        return p;
    }

    private Future<Integer> listen(int listenPort) {
        client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(2000).setTcpNoDelay(true));
        server = vertx.createNetServer().connectHandler(this::accept);
        return server.listen(listenPort, "127.0.0.1").map(s -> port = s.actualPort());
    }

    /** @return the port the proxy listens on */
    public int port() {
        return port;
    }

    /** @return the proxied port */
    public int targetPort() {
        return targetPort;
    }

    /** Sets the state of connections from {@code source} (existing and future ones). */
    public void setLink(String source, LinkState state) {
        links.put(source, state);
        context.runOnContext(v -> conns.stream().filter(c -> c.source.equals(source)).toList().forEach(Conn::applyState));
    }

    /** Sets the state of every source without its own state, and clears the per-source states. */
    public void setAll(LinkState state) {
        links.clear();
        defaultState = state;
        context.runOnContext(v -> conns.stream().toList().forEach(Conn::applyState));
    }

    /** @return the state applied to connections from {@code source} */
    public LinkState link(String source) {
        return links.getOrDefault(source, defaultState);
    }

    /** @return sources of the currently open connections (one entry per connection) */
    public java.util.List<String> openConnectionSources() {
        return conns.stream().map(c -> c.source).sorted().toList();
    }

    private void accept(NetSocket in) {
        in.pause();
        resolveSource(in.remoteAddress().port(), SOURCE_ATTEMPTS)
                .onComplete(ar -> {
                    String source = ar.succeeded() && ar.result() != null ? ar.result() : UNKNOWN_SOURCE;
                    if (link(source).mode() == LinkState.Mode.CUT) {
                        in.close();
                        return;
                    }
                    client.connect(targetPort, targetHost).onComplete(cr -> {
                        if (cr.failed()) {
                            in.close();
                            return;
                        }
                        Conn c = new Conn(source, in, cr.result());
                        conns.add(c);
                        c.start();
                        c.applyState();
                    });
                });
    }

    /** Attempts to attribute a new connection before it counts as {@link #UNKNOWN_SOURCE}. */
    private static final int SOURCE_ATTEMPTS = 50;
    /** Pause between attempts, ms: the dialer's socket may not be listed in /proc yet. */
    private static final long SOURCE_RETRY_MS = 20;

    /** @return the source of the connection from {@code port}, asking again while it is unknown */
    private Future<String> resolveSource(int port, int attemptsLeft) {
        return sourceOfRemotePort.apply(port)
                .recover(t -> Future.succeededFuture(UNKNOWN_SOURCE))
                .compose(s -> {
                    if ((s != null && !UNKNOWN_SOURCE.equals(s)) || attemptsLeft <= 1) {
                        return Future.succeededFuture(s == null ? UNKNOWN_SOURCE : s);
                    }
                    return vertx.timer(SOURCE_RETRY_MS).compose(x -> resolveSource(port, attemptsLeft - 1));
                });
    }

    /** A proxied connection: two sockets and a delay queue per direction. */
    private final class Conn {
        final String source;
        final NetSocket in;
        final NetSocket out;
        final Direction up;
        final Direction down;

        Conn(String source, NetSocket in, NetSocket out) {
            this.source = source;
            this.in = in;
            this.out = out;
            this.up = new Direction(in, out);
            this.down = new Direction(out, in);
        }

        void start() {
            in.handler(up::onData);
            out.handler(down::onData);
            in.closeHandler(v -> close());
            out.closeHandler(v -> close());
            in.exceptionHandler(t -> close());
            out.exceptionHandler(t -> close());
            in.resume();
        }

        void applyState() {
            if (link(source).mode() == LinkState.Mode.CUT) {
                close();
            }
        }

        void close() {
            if (conns.remove(this)) {
                in.close();
                out.close();
            }
        }
    }

    /** One byte direction of a connection. */
    private final class Direction {
        final NetSocket from;
        final NetSocket to;
        final ArrayDeque<Object[]> held = new ArrayDeque<>(); // {deadlineNanos, Buffer}
        long heldBytes;
        long timer = -1;

        Direction(NetSocket from, NetSocket to) {
            this.from = from;
            this.to = to;
            to.drainHandler(v -> from.resume());
        }

        void onData(Buffer b) {
            LinkState s = currentState();
            if (s.mode() != LinkState.Mode.PASS) {
                return; // blackhole (a cut connection is closed already)
            }
            if (s.delayMs() == 0 && held.isEmpty()) {
                write(b);
                return;
            }
            held.add(new Object[] {System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(s.delayMs()), b});
            heldBytes += b.length();
            if (heldBytes > MAX_DELAYED_BYTES) {
                from.pause();
            }
            arm();
        }

        private LinkState currentState() {
            for (Conn c : conns) {
                if (c.up == this || c.down == this) {
                    return link(c.source);
                }
            }
            return LinkState.CUT;
        }

        private void arm() {
            if (timer != -1 || held.isEmpty()) {
                return;
            }
            long wait = TimeUnit.NANOSECONDS.toMillis((long) held.peek()[0] - System.nanoTime());
            timer = vertx.setTimer(Math.max(1, wait), id -> {
                timer = -1;
                long now = System.nanoTime();
                while (!held.isEmpty() && (long) held.peek()[0] <= now) {
                    Buffer b = (Buffer) held.poll()[1];
                    heldBytes -= b.length();
                    if (currentState().mode() == LinkState.Mode.PASS) {
                        write(b);
                    }
                }
                if (heldBytes <= MAX_DELAYED_BYTES / 2 && !to.writeQueueFull()) {
                    from.resume();
                }
                arm();
            });
        }

        private void write(Buffer b) {
            to.write(b);
            if (to.writeQueueFull()) {
                from.pause();
            }
        }
    }

    /** Stops listening and closes every connection. */
    @Override
    public void close() {
        await(Future.<Void>future(p -> context.runOnContext(v -> {
            conns.stream().toList().forEach(Conn::close);
            Future.join(server.close(), client.close()).<Void>mapEmpty().onComplete(p);
        })));
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
