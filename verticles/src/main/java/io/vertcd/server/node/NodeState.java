package io.vertcd.server.node;

import io.etcd.jetcd.api.Member;
import io.vertcd.log.WriteAheadLog;
import io.vertcd.raft.MemoryStorage;
import io.vertcd.raft.RawNode;
import io.vertcd.raft.StateRole;
import io.vertcd.raft.node.ReadyLoop;
import io.vertcd.raft.node.Transport;
import io.vertcd.server.cli.ServerConfig;
import io.vertcd.server.metrics.NodeStats;
import io.vertcd.server.peer.PeerTransport;
import io.vertcd.server.watch.Watches;
import io.vertcd.statemachine.KvStore;
import io.vertcd.statemachine.auth.AuthStore;
import io.vertcd.statemachine.auth.TokenProvider;
import io.vertcd.statemachine.lease.Lessor;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Objects;

/**
 * The state of one member's Raft driver, shared by the classes of this package that each do one of its jobs.
 *
 * <p><b>Threads.</b> The driver's Vert.x context (one event loop, the {@link RaftNode} verticle's) owns every field
 * that is not {@code volatile}: only code running on {@link #context} reads or writes them, one task at a time, so
 * they need no locks. The {@code volatile} fields are written on the driver and read from any thread (client
 * services build response headers and answer MemberList from them). Worker-thread jobs (checkpoints, snapshot
 * export and install) get what they need as arguments and hand their results back to the driver as values.
 */
final class NodeState {
    final ServerConfig config;
    Vertx vertx;
    Context context;

    // Published by the driver for other threads.
    volatile long memberId;
    volatile long clusterId;
    volatile long leader;
    volatile Watches watches;
    volatile RequestIdGenerator ids;
    volatile long snapshotsInstalled;
    volatile List<Member> memberList = List.of();
    volatile ReadyLoop loop;
    /** Gauges and counters for metrics and health checks (the driver publishes, any thread reads). */
    final NodeStats stats = new NodeStats();
    /** Headers of the answers this member gives (cluster ID, member ID, term); any thread. */
    final ResponseHeaders headers = new ResponseHeaders(() -> clusterId, () -> memberId, this::term);

    /** Tokens of this member, plugged into every key-value store's auth store it opens (any thread). */
    final TokenProvider tokens;
    /** The auth store of the current key-value store (replaced with it by a snapshot install); any thread. */
    volatile AuthStore auth = AuthStore.empty();

    // Driver-context state.
    WriteAheadLog wal;
    KvStore kvStore;
    Lessor lessor;
    MemoryStorage storage;
    RawNode rawNode;
    Membership membership;
    PeerTransport peers;
    Transport transport;
    StateRole role = StateRole.FOLLOWER;
    /** Heartbeat ticks since start (the ReadIndex retry clock). */
    long ticks;
    boolean stopped;
    /** This member applied its own removal: it stops after the Ready. */
    boolean removedFromCluster;
    private boolean kickScheduled;

    NodeState(ServerConfig config, TokenProvider tokens) {
        this.config = Objects.requireNonNull(config, "config");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.memberId = config.memberId();
        this.clusterId = config.clusterId();
    }

    /** Makes {@code kv} the member's store: its auth store gets this member's tokens and is published. Driver. */
    void adoptStore(KvStore kv) {
        kvStore = kv;
        kv.auth().setTokenProvider(tokens);
        auth = kv.auth();
    }

    /** @return the term of the member's last durable hard state, 0 before Raft started; any thread */
    long term() {
        ReadyLoop l = loop;
        return l == null ? 0 : l.term();
    }

    /** Looks at the next Ready after the tasks already queued on the driver (proposals batch up). Driver only. */
    void kick() {
        if (!kickScheduled) {
            kickScheduled = true;
            context.runOnContext(v -> {
                kickScheduled = false;
                process();
            });
        }
    }

    /** Takes the next Ready now, if Raft runs and one is due. Driver only. */
    void process() {
        ReadyLoop l = loop;
        if (l != null && !stopped) {
            l.process();
        }
    }

    /** @return true when Raft runs on this member and it has not stopped; driver only */
    boolean running() {
        return rawNode != null && !stopped;
    }

    /** @return a monotonic clock, ms */
    static long nowMs() {
        return System.nanoTime() / 1_000_000;
    }
}
