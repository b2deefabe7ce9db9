package io.vertcd.raft.transcript;

import com.google.protobuf.ByteString;
import io.vertcd.raft.MemoryStorage;
import io.vertcd.raft.Progress;
import io.vertcd.raft.ProgressState;
import io.vertcd.raft.ProposalDroppedException;
import io.vertcd.raft.RaftConfig;
import io.vertcd.raft.ReadOnlyOption;
import io.vertcd.raft.Status;
import io.vertcd.raft.pb.ConfChange;
import io.vertcd.raft.pb.ConfChangeType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Interprets the commands of a Raft transcript (modelled on etcd-io/raft's datadriven interaction env) against a
 * cluster of {@link Member}s driven through the public {@link io.vertcd.raft.RawNode} API. Nothing happens
 * implicitly: a command changes one member, then {@code process-ready} hands its output to the network and
 * {@code deliver-msgs} steps it into the recipients ({@code stabilize} repeats both until quiet).
 *
 * <h2>Commands</h2>
 * Ids are member ids; {@code (a,b)} is a list. Commands that only act print {@code ok}.
 * <ul>
 *   <li>{@code add-nodes <n> [voters=(ids)] [learners=(ids)] [index=<i>] [prevote=<bool>] [checkquorum=<bool>]
 *       [max-inflight=<n>] [max-size=<bytes>] [election=<ticks>] [heartbeat=<ticks>] [read-only=safe|lease]
 *       [seed=<s>]}: adds {@code n} members with the next free ids. With voters/learners each storage starts from a
 *       snapshot at {@code index} (default 1, term 1) holding that membership; without, the storage is empty (a
 *       member that joins through a conf change). Options default to {@link RaftConfig}'s (pre-vote and
 *       check-quorum on, election 10, heartbeat 1, max-inflight 256). The randomized election timeout draws from
 *       {@code new Random(seed + id)} (seed 0 by default), so runs are reproducible.</li>
 *   <li>{@code campaign <id>}: the member campaigns now (pre-vote first if enabled).</li>
 *   <li>{@code propose <id> <data>}: proposes a normal entry; prints {@code raft proposal dropped} if refused.</li>
 *   <li>{@code propose-conf-change <id> add=<node>|add-learner=<node>|remove=<node>|update=<node>}: proposes one
 *       single-step membership change.</li>
 *   <li>{@code transfer-leadership from=<id> to=<id>}: asks member {@code from} (the leader, or a follower that
 *       forwards it) to hand leadership to {@code to}.</li>
 *   <li>{@code tick-election <id> [times]} / {@code tick-heartbeat <id> [times]}: ticks the member
 *       {@code electionTick} (resp. {@code heartbeatTick}) times, {@code times} times over (default once).</li>
 *   <li>{@code process-ready <id>...}: handles one Ready of each member: prints it (Messages as the application
 *       sends them: a MsgSnap carries a snapshot of the applied state), persists it, sends its messages, applies its
 *       committed entries (printing each applied conf change) and advances.</li>
 *   <li>{@code deliver-msgs [<id>...] [drop=(ids)]}: steps every in-flight message addressed to the given members
 *       (all members if none) into its recipient, printing each; a message from or to an isolated member is
 *       printed with {@code DROPPED}. With {@code drop=(ids)} the messages to those members are discarded
 *       instead.</li>
 *   <li>{@code stabilize [<id>...]}: repeats process-ready and deliver-msgs over the given members (all if none)
 *       until no member has a Ready and no message is in flight to them.</li>
 *   <li>{@code status <id>}: the leader's progress of each member: state (probe, replicate, snapshot), match,
 *       next, and when relevant {@code inflight=<n>} ({@code [full]} at the max-inflight limit),
 *       {@code pendingSnap=<i>}, {@code learner}, {@code inactive} (not heard from since the last check-quorum).</li>
 *   <li>{@code raft-state}: role, voter/learner, term and leader of every member.</li>
 *   <li>{@code raft-log <id>}: the entries in the member's storage.</li>
 *   <li>{@code compact <id> <index>}: snapshots the applied state at {@code index} and compacts the storage.</li>
 *   <li>{@code isolate <id>} / {@code heal}: cuts every link of a member / restores all links.</li>
 *   <li>{@code report-unreachable <id> <peer>}: member {@code id}'s transport could not reach {@code peer}.</li>
 *   <li>{@code report-snapshot <id> <peer> [failed=true]}: reports the outcome of sending a snapshot.</li>
 *   <li>{@code read-index <id> <ctx>}: requests a ReadIndex with request context {@code ctx}.</li>
 * </ul>
 */
final class InteractionEnv {
    private static final int MAX_STABILIZE_ROUNDS = 1000;
    private static final String INDENT = "  ";

    private final TreeMap<Long, Member> members = new TreeMap<>();
    private final Network network = new Network();

    /** Runs one command and returns what it printed (never empty, never with blank lines). */
    List<String> handle(Directive d) {
        List<String> out = new ArrayList<>();
        switch (d.name()) {
            case "add-nodes" -> addNodes(d, out);
            case "campaign" -> member(d.id(0)).node.campaign();
            case "propose" -> propose(d, out);
            case "propose-conf-change" -> proposeConfChange(d, out);
            case "transfer-leadership" -> member(d.longOption("from", 0)).node.transferLeader(d.longOption("to", 0));
            case "tick-election" -> tick(d, member(d.id(0)).config.electionTick());
            case "tick-heartbeat" -> tick(d, member(d.id(0)).config.heartbeatTick());
            case "process-ready" -> d.ids().forEach(id -> processReady(id, out));
            case "deliver-msgs" -> deliverMsgs(d, out);
            case "stabilize" -> stabilize(d.ids().isEmpty() ? List.copyOf(members.keySet()) : d.ids(), out);
            case "status" -> status(d.id(0), out);
            case "raft-state" -> raftState(out);
            case "raft-log" -> out.addAll(member(d.id(0)).log());
            case "compact" -> {
                member(d.id(0)).compact(Long.parseLong(d.arg(1)));
                out.addAll(member(d.id(0)).log());
            }
            case "isolate" -> network.isolate(d.id(0));
            case "heal" -> network.heal();
            case "report-unreachable" -> member(d.id(0)).node.reportUnreachable(d.id(1));
            case "report-snapshot" -> member(d.id(0)).node.reportSnapshot(d.id(1), d.flag("failed", false));
            case "read-index" -> member(d.id(0)).node.readIndex(ByteString.copyFromUtf8(d.arg(1)));
            default -> throw new IllegalArgumentException("line " + d.line() + ": unknown command " + d.name());
        }
        if (out.isEmpty()) {
            out.add("ok");
        }
        return out;
    }

    private Member member(long id) {
        Member m = members.get(id);
        if (m == null) {
            throw new IllegalArgumentException("no member " + id);
        }
        return m;
    }

    private void addNodes(Directive d, List<String> out) {
        long n = Long.parseLong(d.arg(0));
        List<Long> voters = d.idList("voters");
        List<Long> learners = d.idList("learners");
        long index = d.longOption("index", 1);
        long first = members.isEmpty() ? 1 : members.lastKey() + 1;
        for (long id = first; id < first + n; id++) {
            RaftConfig.Builder b = RaftConfig.builder().id(id)
                    .electionTick((int) d.longOption("election", 10))
                    .heartbeatTick((int) d.longOption("heartbeat", 1))
                    .preVote(d.flag("prevote", true))
                    .checkQuorum(d.flag("checkquorum", true))
                    .maxInflightMsgs((int) d.longOption("max-inflight", 256))
                    .maxSizePerMsg(d.longOption("max-size", 1024 * 1024))
                    .readOnlyOption("lease".equals(d.option("read-only", "safe"))
                            ? ReadOnlyOption.LEASE_BASED : ReadOnlyOption.SAFE)
                    .random(new Random(d.longOption("seed", 0) + id));
            Member m = Member.start(b, new MemoryStorage(), voters, learners, index);
            members.put(id, m);
            out.add(voters.isEmpty() && learners.isEmpty()
                    ? id + ": empty storage (joins through a conf change)"
                    : id + ": snapshot Index:" + index + " Term:1 " + Describe.confState(m.conf()));
        }
    }

    private void propose(Directive d, List<String> out) {
        try {
            member(d.id(0)).node.propose(ByteString.copyFromUtf8(d.arg(1)));
        } catch (ProposalDroppedException e) {
            out.add("raft proposal dropped");
        }
    }

    private void proposeConfChange(Directive d, List<String> out) {
        if (d.options().size() != 1) {
            throw new IllegalArgumentException("line " + d.line() + ": one of add=, add-learner=, remove=, update=");
        }
        Map.Entry<String, String> change = d.options().entrySet().iterator().next();
        ConfChangeType type = switch (change.getKey()) {
            case "add" -> ConfChangeType.CONF_CHANGE_ADD_NODE;
            case "add-learner" -> ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE;
            case "remove" -> ConfChangeType.CONF_CHANGE_REMOVE_NODE;
            case "update" -> ConfChangeType.CONF_CHANGE_UPDATE_NODE;
            default -> throw new IllegalArgumentException("line " + d.line() + ": unknown change " + change.getKey());
        };
        ConfChange cc = ConfChange.newBuilder().setType(type).setNodeId(Long.parseLong(change.getValue())).build();
        try {
            member(d.id(0)).node.proposeConfChange(cc);
        } catch (ProposalDroppedException e) {
            out.add("raft proposal dropped");
        }
    }

    private void tick(Directive d, int ticksPerRound) {
        Member m = member(d.id(0));
        int rounds = d.positional().size() > 1 ? Integer.parseInt(d.arg(1)) : 1;
        for (int i = 0; i < rounds * ticksPerRound; i++) {
            m.node.tick();
        }
    }

    private void processReady(long id, List<String> out) {
        Member m = member(id);
        out.add("> " + id + " handling Ready");
        if (!m.node.hasReady()) {
            out.add(INDENT + "<empty Ready>");
            return;
        }
        List<String> lines = new ArrayList<>();
        network.send(m.handleReady(lines));
        lines.forEach(l -> out.add(INDENT + l));
    }

    private void deliverMsgs(Directive d, List<String> out) {
        List<Long> drop = d.idList("drop");
        for (long id : drop) {
            for (Network.InFlight f : network.takeFor(id)) {
                out.add("dropped: " + Describe.message(f.message()));
            }
        }
        List<Long> ids = d.ids().isEmpty() && drop.isEmpty() ? List.copyOf(members.keySet()) : d.ids();
        for (long id : ids) {
            deliverTo(id, out);
        }
    }

    /** Steps every in-flight message addressed to {@code id}; returns whether there was any. */
    private boolean deliverTo(long id, List<String> out) {
        List<Network.InFlight> ms = network.takeFor(id);
        if (ms.isEmpty()) {
            return false;
        }
        out.add("> " + id + " receiving messages");
        for (Network.InFlight f : ms) {
            if (f.lost()) {
                out.add(INDENT + Describe.message(f.message()) + " DROPPED");
                continue;
            }
            out.add(INDENT + Describe.message(f.message()));
            member(id).node.step(f.message());
        }
        return true;
    }

    private void stabilize(List<Long> ids, List<String> out) {
        for (int round = 0; round < MAX_STABILIZE_ROUNDS; round++) {
            boolean busy = false;
            for (long id : ids) {
                if (member(id).node.hasReady()) {
                    processReady(id, out);
                    busy = true;
                }
            }
            for (long id : ids) {
                busy |= deliverTo(id, out);
            }
            if (!busy) {
                return;
            }
        }
        throw new IllegalStateException("stabilize did not converge in " + MAX_STABILIZE_ROUNDS + " rounds");
    }

    private void status(long id, List<String> out) {
        Member m = member(id);
        Status st = m.node.status();
        if (st.progress().isEmpty()) {
            out.add(id + " is not the leader: " + Describe.role(st.softState().role()));
            return;
        }
        for (Map.Entry<Long, Progress> e : new TreeMap<>(st.progress()).entrySet()) {
            Progress p = e.getValue();
            StringBuilder sb = new StringBuilder();
            sb.append(e.getKey()).append(": ").append(Describe.progressState(p.state()))
                    .append(" match=").append(p.match()).append(" next=").append(p.next());
            if (p.isLearner()) {
                sb.append(" learner");
            }
            if (p.inflight() > 0) {
                sb.append(" inflight=").append(p.inflight());
                if (p.inflight() == m.config.maxInflightMsgs()) {
                    sb.append("[full]");
                }
            }
            if (p.state() == ProgressState.SNAPSHOT) {
                sb.append(" pendingSnap=").append(p.pendingSnapshot());
            }
            if (!p.recentActive() && e.getKey() != id) {
                sb.append(" inactive");
            }
            out.add(sb.toString());
        }
    }

    private void raftState(List<String> out) {
        for (Member m : members.values()) {
            Status st = m.node.status();
            out.add(m.id + ": " + Describe.role(st.softState().role())
                    + (m.isLearner() ? " (Learner)" : m.conf().getVotersList().contains(m.id) ? " (Voter)" : " (Non-member)")
                    + " Term:" + st.hardState().getTerm() + " Lead:" + st.softState().lead()
                    + (network.isIsolated(m.id) ? " isolated" : ""));
        }
    }
}
