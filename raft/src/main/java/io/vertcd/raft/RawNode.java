package io.vertcd.raft;

import com.google.protobuf.ByteString;
import io.vertcd.raft.pb.ConfChange;
import io.vertcd.raft.pb.ConfChangeType;
import io.vertcd.raft.pb.ConfState;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.EntryType;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.Message;
import io.vertcd.raft.pb.MessageType;
import io.vertcd.raft.pb.Snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One Raft member as the application drives it (etcd raft/rawnode.go): a pure, single-threaded state machine. Not
 * thread-safe: one thread (or Vert.x context) owns it. Nothing here blocks, sleeps, reads clocks or does I/O.
 *
 * <h2>Driving loop (as etcd's raft loop)</h2>
 * Call {@link #tick()} every tick interval; feed peers' messages to {@link #step(Message)}; submit work with
 * {@link #propose}, {@link #proposeConfChange}, {@link #readIndex}. Whenever {@link #hasReady()}, take ONE
 * {@link #ready()}, handle it as {@link Ready} documents (persist hardState + entries durably, send messages, apply
 * committedEntries, serve readStates), then call {@link #advance(Ready)} before taking the next one.
 *
 * <h2>Durability</h2>
 * etcd 3.4 semantics: the leader counts its own appended entries toward the commit index as soon as it appends
 * them, before they are durable (for a single voter an entry is committed in the very Ready that first carries
 * it). This is safe because the application applies a Ready's {@code committedEntries} only after that Ready's
 * {@code entries} (and hard state) are durable, takes the next Ready only after that, and sends before durability
 * only what {@link Ready#outbox(long)} allows: the leader's MsgApp and MsgHeartbeat carrying a commit index it
 * already holds durably (Raft thesis §10.2.1). Every other message waits, so no member acts on, or acknowledges, an
 * entry that could be lost in a crash. {@link #step} may be called while a Ready is being persisted (responses to
 * the early messages arrive then); what it produces comes out in the next Ready.
 *
 * <h2>Snapshots to followers</h2>
 * A MsgSnap in {@link Ready#messages()} carries {@link Storage#snapshot()}. As etcd's server does
 * (createMergedSnapshotMessage), the application should replace it with a snapshot of its current applied state,
 * index, term and ConfState before sending: a member added after the stored snapshot refuses a snapshot whose
 * ConfState does not contain it. Report the outcome with {@link #reportSnapshot}.
 *
 * <h2>Bounds</h2>
 * Outgoing messages and read states accumulate only until the next {@link #ready()}; call it after every batch of
 * inputs. The leader keeps at most {@link RaftConfig#maxPendingReadIndex()} unconfirmed ReadIndex requests (more are
 * dropped, unanswered), at most {@link RaftConfig#maxInflightMsgs()} unacknowledged MsgApp per follower, and, if
 * configured, at most {@link RaftConfig#maxUncommittedEntriesSize()} bytes of uncommitted proposals.
 *
 * <h2>Joining an existing cluster</h2>
 * A member added by a conf change starts with {@code new RawNode(config)} on EMPTY storage (not {@link #bootstrap});
 * it learns the membership from the log or snapshot the leader sends it.
 *
 * <h2>Restart</h2>
 * Construct with the same storage: term, vote and commit come from its hard state, membership from its snapshot's
 * ConfState; pass {@link RaftConfig#applied()} = the index the state machine reflects, and re-apply the
 * committed entries the first Readys hand out (including conf changes, through {@link #applyConfChange}).
 */
public final class RawNode {
    private final Raft raft;
    private SoftState prevSoftState;
    private HardState prevHardState;

    /**
     * Starts (or restarts) a member from the contents of {@code config.storage()}.
     *
     * @throws IllegalStateException if the stored hard state is inconsistent with the stored log
     */
    public RawNode(RaftConfig config) {
        this.raft = new Raft(config);
        this.prevSoftState = raft.softState();
        this.prevHardState = raft.hardState();
    }

    /**
     * Starts a member of a NEW cluster (etcd {@code StartNode}/{@code RawNode.Bootstrap}): the log receives one
     * committed ConfChange(ADD_NODE) entry per voter, at term 1 and indexes 1..N, handed out in the first Ready both
     * as entries to persist and committed entries to apply. Every founding member must bootstrap with the same ids
     * in the same order. The first election then happens in term 2.
     *
     * @param voterIds the founding voters, non-empty
     * @throws IllegalStateException    if the storage is not empty
     * @throws IllegalArgumentException if {@code voterIds} is empty
     */
    public static RawNode bootstrap(RaftConfig config, List<Long> voterIds) {
        if (voterIds.isEmpty()) {
            throw new IllegalArgumentException("must provide at least one peer to Bootstrap");
        }
        if (config.storage().lastIndex() != 0) {
            throw new IllegalStateException("can't bootstrap a nonempty Storage");
        }
        RawNode rn = new RawNode(config);
        Raft r = rn.raft;
        // Nothing is persisted yet: make the first Ready emit the hard state.
        rn.prevHardState = HardState.getDefaultInstance();
        r.becomeFollower(1, Raft.NONE);
        List<Entry> ents = new ArrayList<>(voterIds.size());
        List<ConfChange> ccs = new ArrayList<>(voterIds.size());
        for (int i = 0; i < voterIds.size(); i++) {
            ConfChange cc = ConfChange.newBuilder().setType(ConfChangeType.CONF_CHANGE_ADD_NODE)
                    .setNodeId(voterIds.get(i)).build();
            ccs.add(cc);
            ents.add(Entry.newBuilder().setType(EntryType.ENTRY_CONF_CHANGE).setTerm(1).setIndex(i + 1)
                    .setData(cc.toByteString()).build());
        }
        r.raftLog.append(ents);
        r.raftLog.committed = ents.size();
        for (ConfChange cc : ccs) {
            r.applyConfChange(cc);
        }
        return rn;
    }

    /** Advances the logical clock by one tick: election timeout for followers, heartbeat for the leader. */
    public void tick() {
        raft.tick();
    }

    /** Starts an election now (after a pre-vote round if enabled), as if the election timeout elapsed. */
    public void campaign() {
        raft.step(Message.newBuilder().setType(MessageType.MSG_HUP).setFrom(raft.id).build());
    }

    /**
     * Proposes {@code data} for appending to the log (a follower forwards it to the leader in a MsgProp; a forwarded
     * proposal can be lost or dropped at the leader without notice, so the application needs a timeout). Committed
     * proposals come back in {@link Ready#committedEntries()}.
     *
     * @throws ProposalDroppedException if no leader is known, this member is a candidate, a leadership transfer is
     *                                  in progress, or the leader's uncommitted-size limit would be exceeded
     */
    public void propose(ByteString data) throws ProposalDroppedException {
        proposeEntry(Entry.newBuilder().setData(data).build());
    }

    /**
     * Proposes a single-step membership change (Raft thesis §4.1). It takes effect when the application applies the
     * committed entry and calls {@link #applyConfChange}.
     *
     * @throws ProposalDroppedException as {@link #propose}, or if the leader still has an unapplied conf change
     */
    public void proposeConfChange(ConfChange cc) throws ProposalDroppedException {
        proposeEntry(Entry.newBuilder().setType(EntryType.ENTRY_CONF_CHANGE).setData(cc.toByteString()).build());
    }

    private void proposeEntry(Entry e) throws ProposalDroppedException {
        Message m = Message.newBuilder().setType(MessageType.MSG_PROP).setFrom(raft.id).addEntries(e).build();
        if (!raft.step(m)) {
            throw new ProposalDroppedException();
        }
    }

    /**
     * Applies a committed conf change to the membership. Call it for every ENTRY_CONF_CHANGE entry the application
     * applies, in log order; a change with node id 0 changes nothing.
     *
     * @return the membership after the change (persist it with the next snapshot)
     */
    public ConfState applyConfChange(ConfChange cc) {
        return raft.applyConfChange(cc);
    }

    /**
     * Feeds a message received from a peer. Messages from members not in the configuration are ignored when they
     * are responses; a forwarded proposal the leader cannot accept is dropped silently.
     *
     * @throws IllegalArgumentException for local message types (MsgHup, MsgBeat, MsgUnreachable, MsgSnapStatus,
     *                                  MsgCheckQuorum), which only the node itself generates (etcd ErrStepLocalMsg)
     */
    public void step(Message m) {
        if (isLocal(m.getType())) {
            throw new IllegalArgumentException("raft: cannot step raft local message");
        }
        if (isResponse(m.getType()) && !raft.prs.progress.containsKey(m.getFrom())) {
            return; // etcd ErrStepPeerNotFound
        }
        raft.step(m);
    }

    private static boolean isLocal(MessageType t) {
        return t == MessageType.MSG_HUP || t == MessageType.MSG_BEAT || t == MessageType.MSG_UNREACHABLE
                || t == MessageType.MSG_SNAP_STATUS || t == MessageType.MSG_CHECK_QUORUM;
    }

    private static boolean isResponse(MessageType t) {
        return t == MessageType.MSG_APP_RESP || t == MessageType.MSG_VOTE_RESP || t == MessageType.MSG_HEARTBEAT_RESP
                || t == MessageType.MSG_UNREACHABLE || t == MessageType.MSG_PRE_VOTE_RESP;
    }

    /**
     * Requests a linearizable read point (ReadIndex, Raft thesis §6.4). The answer arrives in
     * {@link Ready#readStates()} with the same {@code requestCtx} (make it unique) once the leader confirmed with a
     * quorum that it still leads. A lone voter answers at once with its commit index. Requests are lost (not
     * answered) if there is no leader or leadership changes meanwhile; the application retries after a timeout.
     */
    public void readIndex(ByteString requestCtx) {
        raft.step(Message.newBuilder().setType(MessageType.MSG_READ_INDEX).setFrom(raft.id)
                .addEntries(Entry.newBuilder().setData(requestCtx)).build());
    }

    /**
     * Asks the leader to hand leadership to {@code transferee} (thesis §3.10): once the transferee's log is up to
     * date the leader sends it MsgTimeoutNow and it campaigns immediately. Proposals are dropped meanwhile; the
     * attempt is abandoned after an election timeout.
     */
    public void transferLeader(long transferee) {
        raft.step(Message.newBuilder().setType(MessageType.MSG_TRANSFER_LEADER).setFrom(transferee).build());
    }

    /** The transport failed to deliver to {@code id}: the leader falls back to probing it. */
    public void reportUnreachable(long id) {
        raft.step(Message.newBuilder().setType(MessageType.MSG_UNREACHABLE).setFrom(id).build());
    }

    /** Reports the outcome of sending a MsgSnap to {@code id}; the leader resumes probing it. */
    public void reportSnapshot(long id, boolean failed) {
        raft.step(Message.newBuilder().setType(MessageType.MSG_SNAP_STATUS).setFrom(id).setReject(failed).build());
    }

    /** @return whether {@link #ready()} has anything to hand out */
    public boolean hasReady() {
        if (!raft.softState().equals(prevSoftState)) {
            return true;
        }
        HardState hs = raft.hardState();
        if (!hs.equals(HardState.getDefaultInstance()) && !hs.equals(prevHardState)) {
            return true;
        }
        if (raft.raftLog.hasPendingSnapshot()) {
            return true;
        }
        if (!raft.msgs.isEmpty() || !raft.raftLog.unstable.entries.isEmpty() || raft.raftLog.hasNextEnts()) {
            return true;
        }
        return !raft.readStates.isEmpty();
    }

    /**
     * Collects the pending work. Messages and read states are handed over (the core forgets them); entries,
     * committed entries and the snapshot are handed out again until {@link #advance} acknowledges them.
     */
    public Ready ready() {
        SoftState ss = raft.softState();
        HardState hs = raft.hardState();
        List<Entry> entries = List.copyOf(raft.raftLog.unstable.entries);
        Snapshot snap = raft.raftLog.hasPendingSnapshot() ? raft.raftLog.unstable.snapshot : null;
        boolean hsChanged = !hs.equals(prevHardState);
        Ready rd = new Ready(
                ss.equals(prevSoftState) ? null : ss,
                hsChanged ? hs : null,
                List.copyOf(raft.readStates),
                entries,
                snap,
                List.copyOf(raft.raftLog.nextEnts()),
                List.copyOf(raft.msgs),
                !entries.isEmpty() || hs.getTerm() != prevHardState.getTerm() || hs.getVote() != prevHardState.getVote());
        prevSoftState = ss;
        if (hsChanged) {
            prevHardState = hs;
        }
        raft.msgs = new ArrayList<>();
        raft.readStates = new ArrayList<>();
        return rd;
    }

    /** Acknowledges that {@code rd} was handled: its entries persisted and its committed entries applied. */
    public void advance(Ready rd) {
        long stableIndex = 0;
        long stableTerm = 0;
        if (!rd.entries().isEmpty()) {
            Entry last = rd.entries().get(rd.entries().size() - 1);
            stableIndex = last.getIndex();
            stableTerm = last.getTerm();
        }
        raft.advance(rd.appliedCursor(), rd.committedEntries(), stableIndex, stableTerm,
                rd.snapshot() != null ? rd.snapshot().getMetadata().getIndex() : 0);
    }

    /** @return the member's current state; progress copies only on the leader */
    public Status status() {
        Map<Long, Progress> progress = raft.state == StateRole.LEADER ? raft.prs.copyProgress() : Map.of();
        return new Status(raft.id, raft.hardState(), raft.softState(), raft.raftLog.applied, progress);
    }

    /** Package-private access for tests in this package (invariant checks of the simulated cluster). */
    Raft raft() {
        return raft;
    }
}
