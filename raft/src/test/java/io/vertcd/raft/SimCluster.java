package io.vertcd.raft;

import com.google.protobuf.ByteString;
import io.vertcd.raft.pb.ConfChange;
import io.vertcd.raft.pb.ConfChangeType;
import io.vertcd.raft.pb.ConfState;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.Message;
import io.vertcd.raft.pb.MessageType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A deterministic simulated cluster running the production {@link io.vertcd.raft.node.ReadyLoop} on every member
 * ({@link SimMember}: simulated log {@link SimDisk}, state machine {@link SimStateMachine}, network
 * {@link SimNetwork}). A seeded random walk interleaves message delivery (dropped, duplicated, reordered, across
 * partitions), log writes becoming durable, checkpoint and snapshot-install jobs completing, ticks, proposals, reads,
 * membership changes, leader transfers and crashes; every choice comes from one seeded {@link Random}, so a failure
 * replays from its seed. Messages, ticks and proposals reach a member while its Ready's write is in flight.
 *
 * <p>After every step it checks Raft's safety properties ({@link SimInvariants}); {@link #healAndConverge} checks
 * liveness once the faults stop.
 */
final class SimCluster {

    /** Probabilities and sizes of one run. */
    record Faults(double drop, double duplicate, int partitionPerMille, int crashPerMille, int compactPerMille,
                  int transferPerMille, boolean membershipChanges) {
        /** Per-mille weights must sum to at most 55. */
        static Faults standard() {
            return new Faults(0.08, 0.04, 10, 8, 20, 12, true);
        }
    }

    /** A durability rule deliberately broken, to show the checks catch it. */
    enum Breakage {
        NONE,
        /** Saves are reported durable at once but stay pending (lost in a crash): {@link AckBeforeDurableDisk}. */
        ACK_BEFORE_DURABLE;

        /** From {@code -Dsim.break}: {@code ack-before-durable}, or none. */
        static Breakage fromProperty() {
            String v = System.getProperty("sim.break", "");
            return v.isEmpty() ? NONE : valueOf(v.toUpperCase().replace('-', '_'));
        }
    }

    static final int ELECTION_TICK = 10;
    static final long TRACE = Long.getLong("sim.trace", 0);

    final long seed;
    final Random rnd;
    /** Protocol options of every member (etcd's server runs with both on). */
    final boolean preVote;
    final boolean checkQuorum;
    final Faults faults;
    final Breakage breakage;
    final Map<Long, SimMember> members = new HashMap<>();
    final List<Long> ids = new ArrayList<>();
    final SimNetwork network = new SimNetwork();
    final SimInvariants invariants;
    final SimStats stats = new SimStats();
    private final int founders;
    private Throwable failure;
    private int nextRead;
    private int nextProposal;
    long steps;

    SimCluster(long seed, int n, Faults faults) {
        this(seed, n, faults, true, true, Breakage.NONE);
    }

    SimCluster(long seed, int n, Faults faults, boolean preVote, boolean checkQuorum, Breakage breakage) {
        this.seed = seed;
        this.rnd = new Random(seed);
        this.faults = faults;
        this.preVote = preVote;
        this.checkQuorum = checkQuorum;
        this.breakage = breakage;
        this.founders = n;
        this.invariants = new SimInvariants(seed, () -> steps);
        List<Long> voters = new ArrayList<>();
        for (long id = 1; id <= n; id++) {
            voters.add(id);
        }
        for (long id = 1; id <= n; id++) {
            addMember(id, voters);
        }
        if (faults.membershipChanges) {
            addMember(n + 1, null); // joins the running cluster when a conf change adds it
        }
    }

    private void addMember(long id, List<Long> founders) {
        SimMember m = new SimMember(this, id, founders);
        members.put(id, m);
        ids.add(id);
        network.join(id);
        m.start();
    }

    // ------------------------------------------------------------------ the random walk

    /** Runs {@code n} random steps, checking the invariants after each. */
    void run(int n) {
        for (int i = 0; i < n; i++) {
            steps++;
            step();
            afterMove();
            if (TRACE == -1 && i % 250 == 0) {
                System.out.println("step " + i + describe());
            }
        }
    }

    private void step() {
        int r = rnd.nextInt(1000);
        if (r < 530) {
            for (int k = 1 + rnd.nextInt(4); k > 0; k--) {
                deliverOne();
            }
        } else if (r < 790) {
            driveMember(randomMember());
        } else if (r < 840) {
            for (long id : ids) {
                SimMember m = members.get(id);
                if (m.up()) {
                    m.node.tick();
                }
            }
        } else if (r < 855) {
            SimMember m = randomMember(); // clock skew: one member ticks alone
            if (m.up()) {
                m.node.tick();
            }
        } else if (r < 915) {
            propose(randomMember());
        } else if (r < 930) {
            readIndex(randomMember());
        } else if (r < 945) {
            if (faults.membershipChanges) {
                membershipChange();
            }
        } else {
            int f = r - 945; // 0..54 per mille
            if (f < faults.partitionPerMille) {
                repartition();
            } else if ((f -= faults.partitionPerMille) < faults.crashPerMille) {
                crashOrRestart(pickForCrashOrRestart());
            } else if ((f -= faults.crashPerMille) < faults.compactPerMille) {
                randomMember().checkpoint();
            } else if ((f -= faults.compactPerMille) < faults.transferPerMille) {
                transfer();
            }
        }
    }

    /**
     * One move of a member's driver: some of its pending log writes become durable (group commit: a prefix), or its
     * exclusive job completes, or its loop takes the next Ready (whose write then stays in flight until a later
     * move makes it durable, unless it is made durable at once).
     */
    private void driveMember(SimMember m) {
        if (!m.up()) {
            return;
        }
        int pending = m.disk.pendingWrites();
        if (pending > 0 && rnd.nextBoolean()) {
            m.disk.sync(1 + rnd.nextInt(pending));
        } else if (m.hasJob() && rnd.nextInt(3) == 0) {
            m.runJob();
        } else {
            m.loop.process();
            if (m.up() && rnd.nextInt(4) == 0) {
                m.disk.sync(m.disk.pendingWrites());
            }
        }
    }

    SimMember randomMember() {
        return members.get(ids.get(rnd.nextInt(ids.size())));
    }

    private void deliverOne() {
        Message m = network.takeRandom(rnd);
        if (m == null) {
            return;
        }
        if (rnd.nextDouble() < faults.duplicate) {
            network.send(List.of(m));
        }
        deliver(m, rnd.nextDouble() >= faults.drop, true);
    }

    private void deliver(Message m, boolean arrives, boolean mayFail) {
        SimMember to = members.get(m.getTo());
        SimMember from = members.get(m.getFrom());
        boolean ok = arrives && to != null && to.up() && network.connected(m.getTo(), m.getFrom());
        if (TRACE != 0 && (m.getTo() == TRACE || m.getFrom() == TRACE) && m.getType() != MessageType.MSG_HEARTBEAT
                && m.getType() != MessageType.MSG_HEARTBEAT_RESP) {
            System.out.println("step " + steps + " deliver ok=" + ok + " " + m.getType() + " " + m.getFrom() + "->"
                    + m.getTo() + " term=" + m.getTerm() + " idx=" + m.getIndex() + " logTerm=" + m.getLogTerm()
                    + " commit=" + m.getCommit() + " n=" + m.getEntriesCount() + " rej=" + m.getReject() + " hint="
                    + m.getRejectHint() + (m.hasSnapshot() ? " snap=" + m.getSnapshot().getMetadata().getIndex() : ""));
        }
        if (ok) {
            if (m.getType() == MessageType.MSG_TIMEOUT_NOW) {
                stats.transfers++;
            }
            to.receive(m);
        }
        if (m.getType() == MessageType.MSG_SNAP && from != null && from.up()) {
            from.node.reportSnapshot(m.getTo(), !ok);
        } else if (!ok && from != null && from.up() && mayFail && rnd.nextInt(4) == 0) {
            from.node.reportUnreachable(m.getTo());
        }
    }

    private void propose(SimMember m) {
        if (!m.up()) {
            return;
        }
        try {
            m.node.propose(ByteString.copyFromUtf8("p" + (nextProposal++) + "@" + m.id));
        } catch (ProposalDroppedException e) {
            // expected without a leader
        }
    }

    private void readIndex(SimMember m) {
        if (!m.up()) {
            return;
        }
        ByteString ctx = ByteString.copyFromUtf8("r" + (nextRead++));
        invariants.onReadRequested(ctx);
        m.node.readIndex(ctx);
    }

    private void repartition() {
        if (rnd.nextBoolean()) {
            network.heal();
        } else {
            network.partition(rnd, ids);
        }
    }

    /**
     * Prefers restarting a crashed member, so that members are not down for most of a run; half the crashes hit a
     * member with writes in flight (the window the durability rules are about), when there is one.
     */
    private SimMember pickForCrashOrRestart() {
        List<SimMember> down = new ArrayList<>();
        List<SimMember> writing = new ArrayList<>();
        for (long id : ids) {
            SimMember m = members.get(id);
            if (!m.up()) {
                down.add(m);
            } else if (m.disk.pendingWrites() > 0) {
                writing.add(m);
            }
        }
        if (!down.isEmpty() && rnd.nextInt(4) != 0) {
            return down.get(rnd.nextInt(down.size()));
        }
        if (!writing.isEmpty() && rnd.nextBoolean()) {
            return writing.get(rnd.nextInt(writing.size()));
        }
        return randomMember();
    }

    private void crashOrRestart(SimMember m) {
        if (m.up()) {
            m.crash();
            stats.crashes++;
        } else {
            m.start();
        }
    }

    private void transfer() {
        SimMember leader = leader();
        if (leader != null) {
            leader.node.transferLeader(ids.get(rnd.nextInt(ids.size())));
        }
    }

    /** Removes or re-adds one member as voter or learner (never below three voters). */
    private void membershipChange() {
        SimMember leader = leader();
        if (leader == null) {
            return;
        }
        long target = ids.get(rnd.nextInt(ids.size()));
        ConfState cs = leader.node.raft().prs.confState();
        ConfChange.Builder cc = ConfChange.newBuilder().setNodeId(target);
        boolean voter = cs.getVotersList().contains(target);
        boolean learner = cs.getLearnersList().contains(target);
        if (voter && cs.getVotersCount() > 3 && target != leader.id) {
            cc.setType(rnd.nextBoolean() ? ConfChangeType.CONF_CHANGE_REMOVE_NODE
                    : ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE);
        } else if (learner) {
            cc.setType(ConfChangeType.CONF_CHANGE_ADD_NODE);
        } else if (!voter) {
            cc.setType(rnd.nextBoolean() ? ConfChangeType.CONF_CHANGE_ADD_NODE
                    : ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE);
        } else {
            return;
        }
        try {
            leader.node.proposeConfChange(cc.build());
        } catch (ProposalDroppedException e) {
            // one change at a time
        }
    }

    SimMember leader() {
        SimMember best = null;
        for (long id : ids) {
            SimMember m = members.get(id);
            if (m.up() && m.node.raft().state == StateRole.LEADER
                    && (best == null || m.node.raft().term > best.node.raft().term)) {
                best = m;
            }
        }
        return best;
    }

    // ------------------------------------------------------------------ invariants

    /** A failure raised where the walk cannot see it (in a log write's continuation); rethrown after the move. */
    void recordFailure(Throwable t) {
        if (failure == null) {
            failure = t;
        }
    }

    /** After every move: rethrows a recorded failure, then checks election safety and leader completeness. */
    void afterMove() {
        if (failure != null) {
            Throwable t = failure;
            failure = null;
            if (t instanceof AssertionError a) {
                throw a;
            }
            throw new AssertionError("seed " + seed + ", step " + steps + ": " + t, t);
        }
        for (long id : ids) {
            SimMember m = members.get(id);
            if (m.up() && m.node.raft().state == StateRole.LEADER) {
                invariants.onLeader(id, m.node.raft());
            }
        }
    }

    // ------------------------------------------------------------------ liveness

    /**
     * Heals every fault and runs rounds (deliver all, settle every member, tick) until one proposal made after
     * healing is applied by every member of the final configuration; returns the rounds taken, or -1 if it never is.
     */
    int healAndConverge(int maxRounds) {
        network.heal();
        for (long id : ids) {
            if (!members.get(id).up()) {
                members.get(id).start();
            }
        }
        Map<Long, ByteString> markers = new HashMap<>();
        for (int round = 0; round < maxRounds; round++) {
            for (Message msg : network.takeAll()) {
                deliver(msg, true, false);
                afterMove();
            }
            for (long id : ids) {
                members.get(id).settle();
            }
            SimMember leader = leader();
            // Propose a marker; again now and then, in case a leader change lost it.
            if ((markers.isEmpty() || round % 40 == 39) && leader != null) {
                ByteString marker = ByteString.copyFromUtf8("final-" + seed + "-" + round);
                try {
                    leader.node.propose(marker);
                    markers.put(leader.node.raft().raftLog.lastIndex(), marker);
                } catch (ProposalDroppedException e) {
                    // retry next round
                }
            }
            for (Map.Entry<Long, ByteString> mk : markers.entrySet()) {
                if (converged(mk.getValue(), mk.getKey())) {
                    return round;
                }
            }
            if (round % 3 == 0) {
                for (long id : ids) {
                    members.get(id).node.tick();
                }
            }
        }
        return -1;
    }

    private boolean converged(ByteString marker, long markerIndex) {
        Entry e = invariants.committedAt(markerIndex);
        if (e == null || !e.getData().equals(marker)) {
            return false;
        }
        SimMember l = leader();
        if (l == null) {
            return false;
        }
        ConfState cs = l.node.raft().prs.confState();
        List<Long> all = new ArrayList<>(cs.getVotersList());
        all.addAll(cs.getLearnersList());
        for (long id : all) {
            SimMember m = members.get(id);
            if (m == null || m.stateMachine.applied() < markerIndex) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ helpers

    /** One line per member: role, term, log and apply cursors, configuration; the leader's progress. */
    String describe() {
        StringBuilder sb = new StringBuilder();
        for (long id : ids) {
            sb.append("\n  ").append(id).append(" group=").append(network.groupOf(id)).append(' ')
                    .append(members.get(id).describe());
        }
        sb.append("\n  network=").append(network.size());
        return sb.toString();
    }

    /** This run's counters. */
    SimStats stats() {
        stats.steps = steps;
        stats.leaderTerms = invariants.leaderTerms();
        stats.maxApplied = invariants.maxApplied();
        stats.confChanges = invariants.confChangesCommitted() - founders;
        stats.writesLost = 0;
        stats.skipped = 0;
        stats.staleInstalls = 0;
        for (SimMember m : members.values()) {
            stats.writesLost += m.disk.writesLost;
            stats.skipped += m.stateMachine.skipped;
            stats.staleInstalls += m.stateMachine.staleInstalls;
        }
        return stats;
    }

    AssertionError fail(String what) {
        return invariants.fail(what);
    }
}
