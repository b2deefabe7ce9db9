package io.vertcd.raft;

import com.google.protobuf.ByteString;
import io.vertcd.raft.pb.ConfChange;
import io.vertcd.raft.pb.ConfState;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.EntryType;
import io.vertcd.raft.pb.Message;
import io.vertcd.raft.pb.MessageType;
import io.vertcd.raft.pb.Snapshot;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A deterministic simulated cluster: N members with {@link MemoryStorage} as their "disk", a network that drops,
 * duplicates, delays and reorders messages, partitions, and crashes that lose everything not yet persisted. Every
 * choice comes from one seeded {@link Random}, so a failure replays from its seed.
 *
 * <p>After every step it checks Raft's safety properties (thesis §3.6 / Figure 3.2): election safety, log matching,
 * leader completeness, state-machine safety, plus ReadIndex linearizability (a read point covers every entry that was
 * applied anywhere before the read was requested).
 */
final class SimCluster {

    /** Probabilities and sizes of one run. */
    record Faults(double drop, double duplicate, int partitionPerMille, int crashPerMille, int compactPerMille,
                  int transferPerMille, boolean membershipChanges) {
        /** Per-mille weights must sum to at most 60. */
        static Faults standard() {
            return new Faults(0.08, 0.04, 10, 5, 25, 5, true);
        }
    }

    /** One member: its durable storage survives crashes; everything else is volatile. */
    final class Member {
        final long id;
        final MemoryStorage storage = new MemoryStorage();
        RawNode node; // null while crashed
        /** A Ready taken but not yet persisted (its early messages are out), or null. */
        Ready pending;
        /** The pending Ready's messages that wait until it is durable. */
        List<Message> pendingLate;
        long applied;
        long stateHash;
        ConfState conf = ConfState.getDefaultInstance();

        Member(long id) {
            this.id = id;
        }

        boolean up() {
            return node != null;
        }

        RaftConfig config() {
            return RaftConfig.builder().id(id).storage(storage).applied(applied).electionTick(ELECTION_TICK)
                    .heartbeatTick(1).maxSizePerMsg(256).maxInflightMsgs(4).random(new Random(rnd.nextLong()))
                    .preVote(preVote).checkQuorum(checkQuorum)
                    .build();
        }
    }

    static final int ELECTION_TICK = 10;
    static final long TRACE = Long.getLong("sim.trace", 0);

    final long seed;
    final Random rnd;
    /** Protocol options of every member (etcd's server runs with both on). */
    boolean preVote = true;
    boolean checkQuorum = true;
    final Faults faults;
    final Map<Long, Member> members = new HashMap<>();
    final List<Long> ids = new ArrayList<>();
    /** In-flight messages; delivery picks a random one, which reorders and delays. */
    final List<Message> network = new ArrayList<>();
    /** Partition group of each member; messages cross groups only when equal. */
    final Map<Long, Integer> group = new HashMap<>();

    // ---- what the checks remember
    private final Map<Long, Long> leaderOfTerm = new HashMap<>();
    /** (index, term) -> fingerprint of the entry and the term of its predecessor: log matching by induction. */
    private final Map<String, String> entryFingerprints = new HashMap<>();
    /** index -> the committed entry (term, data) handed out for apply anywhere. */
    private final Map<Long, Entry> committed = new HashMap<>();
    /** index -> the lowest term of a member that applied it (>= the term in which it was committed). */
    private final Map<Long, Long> commitTerm = new HashMap<>();
    /** index -> state-machine hash after applying it. */
    private final Map<Long, Long> stateAt = new HashMap<>();
    private long maxApplied;
    /** read ctx -> the applied index it must cover. */
    private final Map<ByteString, Long> readFloor = new HashMap<>();
    private int nextRead;
    private int nextProposal;
    long readsAnswered;
    long snapshotsInstalled;
    long confChangesApplied;
    long crashes;
    long steps;

    SimCluster(long seed, int n, Faults faults) {
        this(seed, n, faults, true, true);
    }

    SimCluster(long seed, int n, Faults faults, boolean preVote, boolean checkQuorum) {
        this.preVote = preVote;
        this.checkQuorum = checkQuorum;
        this.seed = seed;
        this.rnd = new Random(seed);
        this.faults = faults;
        List<Long> voters = new ArrayList<>();
        for (long id = 1; id <= n; id++) {
            voters.add(id);
        }
        for (long id = 1; id <= n; id++) {
            Member m = new Member(id);
            m.node = RawNode.bootstrap(m.config(), voters);
            members.put(id, m);
            ids.add(id);
            group.put(id, 0);
        }
        if (faults.membershipChanges) {
            addSpare(n + 1); // joins an existing cluster when a conf change adds it
        }
    }

    /** Adds a member that starts empty (not bootstrapped): it joins through a conf change and a snapshot/log. */
    Member addSpare(long id) {
        Member m = new Member(id);
        m.node = new RawNode(m.config());
        members.put(id, m);
        ids.add(id);
        group.put(id, 0);
        return m;
    }

    // ------------------------------------------------------------------ the random walk

    /** Runs {@code n} random steps, checking the invariants after each. */
    void run(int n) {
        for (int i = 0; i < n; i++) {
            step();
            check();
            if (TRACE == -1 && i % 250 == 0) {
                System.out.println("step " + i + describe());
            }
        }
    }

    private void step() {
        steps++;
        int r = rnd.nextInt(1000);
        if (r < 550) {
            for (int k = 1 + rnd.nextInt(4); k > 0; k--) {
                deliverOne();
            }
        } else if (r < 790) {
            // A Ready is taken, then persisted in a later step (messages and ticks may reach the member in
            // between, as they reach the server's driver while its WAL write is in flight), or at once.
            Member m = randomMember();
            if (m.up() && m.pending != null) {
                finishReady(m, true);
            } else if (m.up() && m.node.hasReady()) {
                takeReady(m, true);
                if (rnd.nextBoolean()) {
                    finishReady(m, true);
                }
            }
        } else if (r < 840) {
            for (long id : ids) {
                Member m = members.get(id);
                if (m.up()) {
                    m.node.tick();
                }
            }
        } else if (r < 860) {
            Member m = randomMember(); // clock skew: one member ticks alone
            if (m.up()) {
                m.node.tick();
            }
        } else if (r < 915) {
            propose(randomMember());
        } else if (r < 930) {
            readIndex(randomMember());
        } else if (r < 940) {
            if (faults.membershipChanges) {
                membershipChange();
            }
        } else {
            int f = r - 940; // 0..59 per mille
            if (f < faults.partitionPerMille) {
                repartition();
            } else if ((f -= faults.partitionPerMille) < faults.crashPerMille) {
                crashOrRestart(pickForCrashOrRestart());
            } else if ((f -= faults.crashPerMille) < faults.compactPerMille) {
                compact(randomMember());
            } else if ((f -= faults.compactPerMille) < faults.transferPerMille) {
                transfer();
            }
        }
    }

    Member randomMember() {
        return members.get(ids.get(rnd.nextInt(ids.size())));
    }

    private void deliverOne() {
        if (network.isEmpty()) {
            return;
        }
        Message m = network.remove(rnd.nextInt(network.size()));
        if (rnd.nextDouble() < faults.duplicate) {
            network.add(m);
        }
        deliver(m, true);
    }

    private void deliver(Message m, boolean mayFail) {
        Member to = members.get(m.getTo());
        Member from = members.get(m.getFrom());
        boolean ok = to != null && to.up() && group.get(m.getTo()).equals(group.get(m.getFrom()));
        if (TRACE != 0 && (m.getTo() == TRACE || m.getFrom() == TRACE) && m.getType() != MessageType.MSG_HEARTBEAT
                && m.getType() != MessageType.MSG_HEARTBEAT_RESP) {
            System.out.println("step " + steps + " deliver ok=" + ok + " " + m.getType() + " " + m.getFrom() + "->" + m.getTo()
                    + " term=" + m.getTerm() + " idx=" + m.getIndex() + " logTerm=" + m.getLogTerm() + " commit="
                    + m.getCommit() + " n=" + m.getEntriesCount() + " rej=" + m.getReject() + " hint=" + m.getRejectHint()
                    + (m.hasSnapshot() ? " snap=" + m.getSnapshot().getMetadata().getIndex() : ""));
        }
        if (ok) {
            to.node.step(m);
        }
        if (m.getType() == MessageType.MSG_SNAP && from != null && from.up()) {
            from.node.reportSnapshot(m.getTo(), !ok);
        } else if (!ok && from != null && from.up() && mayFail && rnd.nextInt(4) == 0) {
            from.node.reportUnreachable(m.getTo());
        }
    }

    /** Finishes a pending Ready, then handles one more if there is one. */
    void handleReady(Member m, boolean faulty) {
        if (m.pending != null) {
            finishReady(m, faulty);
        }
        if (m.node.hasReady()) {
            takeReady(m, faulty);
            finishReady(m, faulty);
        }
    }

    /** Takes a Ready and sends what {@link Ready#outbox} lets go before its persistence. */
    private void takeReady(Member m, boolean faulty) {
        Ready rd = m.node.ready();
        Ready.Outbox outbox = rd.outbox(m.storage.lastIndex());
        send(m, outbox.beforeDurable(), faulty);
        m.pending = rd;
        m.pendingLate = outbox.afterDurable();
    }

    private void send(Member m, List<Message> messages, boolean faulty) {
        for (Message msg0 : messages) {
            Message msg = msg0.getType() == MessageType.MSG_SNAP ? mergedSnapshot(m, msg0) : msg0;
            if (faulty && rnd.nextDouble() < faults.drop) {
                if (msg.getType() == MessageType.MSG_SNAP) {
                    m.node.reportSnapshot(msg.getTo(), true);
                }
                continue;
            }
            network.add(msg);
        }
    }

    /** Persists, sends, applies and advances the pending Ready exactly as the RawNode contract says. */
    private void finishReady(Member m, boolean faulty) {
        Ready rd = m.pending;
        List<Message> late = m.pendingLate;
        m.pending = null;
        m.pendingLate = null;
        // 1. persist
        if (rd.snapshot() != null) {
            Snapshot s = rd.snapshot();
            m.storage.applySnapshot(s);
        }
        if (!rd.entries().isEmpty()) {
            m.storage.append(rd.entries());
            for (Entry e : rd.entries()) {
                recordPersisted(m, e);
            }
        }
        if (rd.hardState() != null) {
            m.storage.setHardState(rd.hardState());
        }
        // 2. send the rest
        send(m, late, faulty);
        // 3. apply
        long term = m.node.status().hardState().getTerm();
        if (rd.snapshot() != null) {
            Snapshot s = rd.snapshot();
            m.applied = s.getMetadata().getIndex();
            m.stateHash = ByteBuffer.wrap(s.getData().toByteArray()).getLong();
            m.conf = s.getMetadata().getConfState();
            checkState(m, m.applied, m.stateHash);
            snapshotsInstalled++;
        }
        for (Entry e : rd.committedEntries()) {
            apply(m, e, term);
        }
        for (ReadState rs : rd.readStates()) {
            Long floor = readFloor.get(rs.requestCtx());
            if (floor == null) {
                throw fail("read state for unknown ctx " + rs.requestCtx().toStringUtf8());
            }
            if (rs.index() < floor) {
                throw fail("stale ReadIndex at member " + m.id + ": " + rs.index() + " < " + floor
                        + " applied before the read was requested");
            }
            readsAnswered++;
        }
        m.node.advance(rd);
    }

    /**
     * As etcd's server (createMergedSnapshotMessage), send a snapshot of the CURRENT applied state with the current
     * membership rather than the stored one: a member added after the stored snapshot would refuse it.
     */
    private Message mergedSnapshot(Member m, Message msg) {
        if (m.applied <= msg.getSnapshot().getMetadata().getIndex()) {
            return msg;
        }
        Snapshot s = Snapshot.newBuilder()
                .setMetadata(io.vertcd.raft.pb.SnapshotMetadata.newBuilder().setIndex(m.applied)
                        .setTerm(m.storage.term(m.applied)).setConfState(m.conf))
                .setData(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(0, m.stateHash)))
                .build();
        return msg.toBuilder().setSnapshot(s).build();
    }

    private void apply(Member m, Entry e, long term) {
        if (e.getIndex() != m.applied + 1) {
            throw fail("member " + m.id + " applies " + e.getIndex() + " after " + m.applied);
        }
        Entry prev = committed.putIfAbsent(e.getIndex(), e);
        if (prev != null && !prev.equals(e)) {
            throw fail("state machine safety: index " + e.getIndex() + " applied as " + brief(prev) + " and " + brief(e));
        }
        commitTerm.merge(e.getIndex(), term, Math::min);
        if (e.getType() == EntryType.ENTRY_CONF_CHANGE) {
            m.conf = m.node.applyConfChange(Entries.confChange(e));
            confChangesApplied++;
        }
        m.applied = e.getIndex();
        m.stateHash = m.stateHash * 1_000_003L + e.getIndex() * 31 + e.getData().hashCode();
        checkState(m, m.applied, m.stateHash);
        maxApplied = Math.max(maxApplied, m.applied);
    }

    private void checkState(Member m, long index, long hash) {
        Long prev = stateAt.putIfAbsent(index, hash);
        if (prev != null && prev != hash) {
            throw fail("state machine safety: member " + m.id + " has a different state at index " + index);
        }
    }

    private void recordPersisted(Member m, Entry e) {
        long prevTerm;
        try {
            prevTerm = m.storage.term(e.getIndex() - 1);
        } catch (CompactedException ex) {
            prevTerm = -1; // predecessor compacted: covered by the snapshot, checked when it was persisted
        }
        String key = e.getIndex() + "/" + e.getTerm();
        String fp = e.getType() + ":" + e.getData().hashCode() + ":" + e.getData().size();
        String prev = entryFingerprints.get(key);
        String mine = fp + "|" + prevTerm;
        if (prev == null) {
            entryFingerprints.put(key, mine);
            return;
        }
        String[] a = prev.split("\\|");
        String[] b = mine.split("\\|");
        boolean prevTermsComparable = !a[1].equals("-1") && !b[1].equals("-1");
        if (!a[0].equals(b[0]) || (prevTermsComparable && !a[1].equals(b[1]))) {
            throw fail("log matching: entry " + key + " at member " + m.id + " is " + mine + ", elsewhere " + prev);
        }
    }

    private void propose(Member m) {
        if (!m.up()) {
            return;
        }
        try {
            m.node.propose(ByteString.copyFromUtf8("p" + (nextProposal++) + "@" + m.id));
        } catch (ProposalDroppedException e) {
            // expected without a leader
        }
    }

    private void readIndex(Member m) {
        if (!m.up()) {
            return;
        }
        ByteString ctx = ByteString.copyFromUtf8("r" + (nextRead++));
        readFloor.put(ctx, maxApplied);
        m.node.readIndex(ctx);
    }

    private void repartition() {
        if (rnd.nextBoolean()) {
            ids.forEach(id -> group.put(id, 0)); // heal
        } else {
            ids.forEach(id -> group.put(id, rnd.nextInt(2)));
        }
    }

    /** Prefers restarting a crashed member, so that members are not down for most of a run. */
    private Member pickForCrashOrRestart() {
        List<Member> down = new ArrayList<>();
        for (long id : ids) {
            if (!members.get(id).up()) {
                down.add(members.get(id));
            }
        }
        if (!down.isEmpty() && rnd.nextInt(4) != 0) {
            return down.get(rnd.nextInt(down.size()));
        }
        return randomMember();
    }

    private void crashOrRestart(Member m) {
        if (m.up()) {
            m.node = null; // everything not in storage is lost, including a Ready being persisted
            m.pending = null;
            m.pendingLate = null;
            crashes++;
        } else {
            restart(m);
        }
    }

    void restart(Member m) {
        Snapshot s = m.storage.snapshot();
        m.applied = s.getMetadata().getIndex();
        m.stateHash = s.getData().isEmpty() ? 0 : ByteBuffer.wrap(s.getData().toByteArray()).getLong();
        m.conf = s.getMetadata().getConfState();
        m.node = new RawNode(m.config());
    }

    private void compact(Member m) {
        long snapIndex = m.storage.snapshot().getMetadata().getIndex();
        if (m.applied <= snapIndex) {
            return;
        }
        ByteString data = ByteString.copyFrom(ByteBuffer.allocate(8).putLong(0, m.stateHash));
        m.storage.createSnapshot(m.applied, m.conf, data);
        long compactTo = m.applied - rnd.nextInt(3);
        if (compactTo > m.storage.firstIndex() - 1) {
            m.storage.compact(compactTo);
        }
    }

    private void transfer() {
        Member leader = leader();
        if (leader != null) {
            leader.node.transferLeader(ids.get(rnd.nextInt(ids.size())));
        }
    }

    /** Removes or re-adds one member as voter or learner (never below three voters). */
    private void membershipChange() {
        Member leader = leader();
        if (leader == null) {
            return;
        }
        long target = ids.get(rnd.nextInt(ids.size()));
        ConfState cs = leader.node.raft().prs.confState();
        ConfChange.Builder cc = ConfChange.newBuilder().setNodeId(target);
        boolean voter = cs.getVotersList().contains(target);
        boolean learner = cs.getLearnersList().contains(target);
        if (voter && cs.getVotersCount() > 3 && target != leader.id) {
            cc.setType(rnd.nextBoolean() ? io.vertcd.raft.pb.ConfChangeType.CONF_CHANGE_REMOVE_NODE
                    : io.vertcd.raft.pb.ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE);
        } else if (learner) {
            cc.setType(io.vertcd.raft.pb.ConfChangeType.CONF_CHANGE_ADD_NODE);
        } else if (!voter) {
            cc.setType(rnd.nextBoolean() ? io.vertcd.raft.pb.ConfChangeType.CONF_CHANGE_ADD_NODE
                    : io.vertcd.raft.pb.ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE);
        } else {
            return;
        }
        try {
            leader.node.proposeConfChange(cc.build());
        } catch (ProposalDroppedException e) {
            // one change at a time
        }
    }

    Member leader() {
        Member best = null;
        for (long id : ids) {
            Member m = members.get(id);
            if (m.up() && m.node.raft().state == StateRole.LEADER
                    && (best == null || m.node.raft().term > best.node.raft().term)) {
                best = m;
            }
        }
        return best;
    }

    // ------------------------------------------------------------------ invariants

    void check() {
        for (long id : ids) {
            Member m = members.get(id);
            if (!m.up()) {
                continue;
            }
            Raft r = m.node.raft();
            if (r.state != StateRole.LEADER) {
                continue;
            }
            Long prev = leaderOfTerm.putIfAbsent(r.term, id);
            if (prev == null) {
                checkLeaderCompleteness(m, r);
            } else if (prev != id) {
                throw fail("election safety: term " + r.term + " has leaders " + prev + " and " + id);
            }
        }
    }

    /** A new leader of term T holds every entry committed in a term before T (thesis §3.6.3). */
    private void checkLeaderCompleteness(Member m, Raft r) {
        long first = r.raftLog.firstIndex();
        for (Map.Entry<Long, Long> ct : commitTerm.entrySet()) {
            long index = ct.getKey();
            if (ct.getValue() >= r.term || index < first) {
                continue;
            }
            Entry e = committed.get(index);
            if (index > r.raftLog.lastIndex() || r.raftLog.term(index) != e.getTerm()) {
                throw fail("leader completeness: leader " + m.id + " of term " + r.term + " lacks committed entry "
                        + brief(e));
            }
        }
    }

    // ------------------------------------------------------------------ liveness

    /**
     * Heals every fault and runs rounds (deliver all, handle all Readys, tick) until one proposal made after healing
     * is applied by every member of the final configuration; returns the rounds taken, or -1 if it never is.
     */
    int healAndConverge(int maxRounds) {
        ids.forEach(id -> group.put(id, 0));
        for (long id : ids) {
            if (!members.get(id).up()) {
                restart(members.get(id));
            }
        }
        Map<Long, ByteString> markers = new HashMap<>();
        for (int round = 0; round < maxRounds; round++) {
            List<Message> batch = new ArrayList<>(network);
            network.clear();
            for (Message msg : batch) {
                deliver(msg, false);
                check();
            }
            for (long id : ids) {
                Member m = members.get(id);
                while (m.pending != null || m.node.hasReady()) {
                    handleReady(m, false);
                    check();
                }
            }
            Member leader = leader();
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
        Entry e = committed.get(markerIndex);
        if (e == null || !e.getData().equals(marker)) {
            return false;
        }
        Member l = leader();
        if (l == null) {
            return false;
        }
        ConfState cs = l.node.raft().prs.confState();
        List<Long> all = new ArrayList<>(cs.getVotersList());
        all.addAll(cs.getLearnersList());
        for (long id : all) {
            Member m = members.get(id);
            if (m == null || m.applied < markerIndex) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ helpers

    private static String brief(Entry e) {
        return "{i=" + e.getIndex() + " t=" + e.getTerm() + " " + e.getType() + " " + e.getData().toStringUtf8() + "}";
    }

    /** One line per member: role, term, log and apply cursors, configuration; the leader's progress. */
    String describe() {
        StringBuilder sb = new StringBuilder();
        for (long id : ids) {
            Member m = members.get(id);
            sb.append("\n  ").append(id).append(" group=").append(group.get(id));
            if (!m.up()) {
                sb.append(" DOWN");
                continue;
            }
            Raft r = m.node.raft();
            sb.append(' ').append(r.state).append(" term=").append(r.term).append(" vote=").append(r.vote)
                    .append(" lead=").append(r.lead).append(" commit=").append(r.raftLog.committed)
                    .append(" applied=").append(m.applied).append(" last=").append(r.raftLog.lastIndex())
                    .append(" first=").append(r.raftLog.firstIndex()).append(" conf=").append(r.prs.voters)
                    .append("/").append(r.prs.learners).append(" transferee=").append(r.leadTransferee);
            if (r.state == StateRole.LEADER) {
                sb.append(" progress=").append(r.prs.progress);
            }
        }
        sb.append("\n  network=").append(network.size());
        return sb.toString();
    }

    /** Counters of what the run exercised. */
    String stats() {
        return "terms=" + leaderOfTerm.size() + " maxApplied=" + maxApplied + " reads=" + readsAnswered + " snapshots="
                + snapshotsInstalled + " confChanges=" + confChangesApplied + " crashes=" + crashes
                + (leader() == null ? "" : " conf=" + leader().node.raft().prs.voters + "/" + leader().node.raft().prs.learners);
    }

    AssertionError fail(String what) {
        return new AssertionError("seed " + seed + ", step " + steps + ": " + what);
    }
}
