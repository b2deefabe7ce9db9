package io.vertcd.raft;

import com.google.protobuf.ByteString;
import io.vertcd.raft.pb.ConfChange;
import io.vertcd.raft.pb.ConfState;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.Message;
import io.vertcd.raft.pb.MessageType;
import io.vertcd.raft.pb.Snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The Raft protocol state machine (etcd raft/raft.go, 3.4 with the 3.5 fast-backtracking and postponed-ReadIndex
 * refinements). Package-private: the application drives it through {@link RawNode}. Pure and single-threaded: all
 * input comes from {@link #step}/{@link #tick}, all output is left in {@link #msgs}, {@link #readStates} and the
 * {@link RaftLog}.
 */
final class Raft {
    /** The "no member" id (etcd {@code None}). */
    static final long NONE = 0;
    /** Context of the vote request of a leadership transfer: voters must not ignore it because of a lease. */
    static final ByteString CAMPAIGN_TRANSFER = ByteString.copyFromUtf8("CampaignTransfer");

    private enum CampaignType { PRE_ELECTION, ELECTION, TRANSFER }

    final long id;
    long term;
    long vote;
    final RaftLog raftLog;
    ProgressTracker prs;
    StateRole state = StateRole.FOLLOWER;
    boolean isLearner;
    /** Messages to send, drained by each Ready. */
    List<Message> msgs = new ArrayList<>();
    /** Answered ReadIndex requests, drained by each Ready. */
    List<ReadState> readStates = new ArrayList<>();
    long lead = NONE;
    long leadTransferee = NONE;
    /** Index of the last conf change in the leader's log; no new one is accepted until it is applied. */
    long pendingConfIndex;
    /** Payload bytes of the leader's uncommitted entries. */
    long uncommittedSize;
    ReadOnly readOnly;
    /** ReadIndex requests received before the leader committed an entry of its term (bounded by maxPendingReadIndex). */
    private final List<Message> pendingReadIndexMessages = new ArrayList<>();

    int electionElapsed;
    int heartbeatElapsed;
    final boolean checkQuorum;
    final boolean preVote;
    private final int heartbeatTimeout;
    private final int electionTimeout;
    private int randomizedElectionTimeout;
    private final Random random;
    private final long maxMsgSize;
    private final long maxUncommittedSize;
    private final int maxPendingReadIndex;

    Raft(RaftConfig c) {
        this.id = c.id();
        this.raftLog = new RaftLog(c.storage(), c.maxCommittedSizePerReady());
        this.maxMsgSize = c.maxSizePerMsg();
        this.maxUncommittedSize = c.maxUncommittedEntriesSize();
        this.prs = new ProgressTracker(c.maxInflightMsgs());
        this.electionTimeout = c.electionTick();
        this.heartbeatTimeout = c.heartbeatTick();
        this.checkQuorum = c.checkQuorum();
        this.preVote = c.preVote();
        this.random = c.random();
        this.maxPendingReadIndex = c.maxPendingReadIndex();
        this.readOnly = new ReadOnly(c.readOnlyOption(), maxPendingReadIndex);

        InitialState is = c.storage().initialState();
        restoreConf(is.confState());
        HardState hs = is.hardState();
        if (!hs.equals(HardState.getDefaultInstance())) {
            loadState(hs);
        }
        if (c.applied() > 0) {
            raftLog.appliedTo(c.applied());
        }
        becomeFollower(term, NONE);
    }

    private void loadState(HardState hs) {
        if (hs.getCommit() < raftLog.committed || hs.getCommit() > raftLog.lastIndex()) {
            throw new IllegalStateException(id + " state.commit " + hs.getCommit() + " is out of range ["
                    + raftLog.committed + ", " + raftLog.lastIndex() + "]");
        }
        raftLog.committed = hs.getCommit();
        term = hs.getTerm();
        vote = hs.getVote();
    }

    /** Rebuilds the tracker from a ConfState (etcd confchange.Restore for a single majority configuration). */
    private void restoreConf(ConfState cs) {
        prs = new ProgressTracker(prs.maxInflight);
        long next = raftLog.lastIndex() + 1;
        for (long v : cs.getVotersList()) {
            prs.voters.add(v);
            prs.progress.put(v, newProgress(next, false));
        }
        for (long l : cs.getLearnersList()) {
            prs.learners.add(l);
            prs.progress.put(l, newProgress(next, true));
        }
        Progress self = prs.progress.get(id);
        isLearner = self != null && self.isLearner;
    }

    private Progress newProgress(long next, boolean learner) {
        Progress p = new Progress(next, prs.maxInflight, learner);
        // A new member counts as active so that check-quorum does not depose the leader right away.
        p.recentActive = true;
        return p;
    }

    SoftState softState() {
        return new SoftState(lead, state);
    }

    HardState hardState() {
        return HardState.newBuilder().setTerm(term).setVote(vote).setCommit(raftLog.committed).build();
    }

    /** Whether this member may campaign: it is a voter and has no snapshot waiting to be persisted. */
    boolean promotable() {
        Progress pr = prs.progress.get(id);
        return pr != null && !pr.isLearner && !raftLog.hasPendingSnapshot();
    }

    // ---------------------------------------------------------------- sending

    private void send(Message.Builder m) {
        m.setFrom(id);
        MessageType t = m.getType();
        if (t == MessageType.MSG_VOTE || t == MessageType.MSG_VOTE_RESP || t == MessageType.MSG_PRE_VOTE
                || t == MessageType.MSG_PRE_VOTE_RESP) {
            if (m.getTerm() == 0) {
                throw new IllegalStateException("term should be set when sending " + t);
            }
        } else {
            if (m.getTerm() != 0) {
                throw new IllegalStateException("term should not be set when sending " + t + " (was " + m.getTerm() + ")");
            }
            // Proposals and ReadIndex requests forwarded to the leader are local messages: no term.
            if (t != MessageType.MSG_PROP && t != MessageType.MSG_READ_INDEX) {
                m.setTerm(term);
            }
        }
        msgs.add(m.build());
    }

    private void sendAppend(long to) {
        maybeSendAppend(to, true);
    }

    /**
     * Sends a MsgApp (or a MsgSnap when the needed entries were compacted) to {@code to}, respecting flow control.
     *
     * @param sendIfEmpty whether to send a message without entries (to carry the commit index or probe)
     * @return whether a message was sent
     */
    private boolean maybeSendAppend(long to, boolean sendIfEmpty) {
        Progress pr = prs.progress.get(to);
        if (pr == null || pr.isPaused()) {
            return false;
        }
        Message.Builder m = Message.newBuilder().setTo(to);
        long prevTerm;
        List<Entry> ents;
        try {
            prevTerm = raftLog.term(pr.next - 1);
            ents = raftLog.entries(pr.next, maxMsgSize);
        } catch (CompactedException e) {
            return sendSnapshot(pr, m);
        }
        if (ents.isEmpty() && !sendIfEmpty) {
            return false;
        }
        m.setType(MessageType.MSG_APP).setIndex(pr.next - 1).setLogTerm(prevTerm).addAllEntries(ents)
                .setCommit(raftLog.committed);
        if (!ents.isEmpty()) {
            switch (pr.state) {
                case REPLICATE -> {
                    long last = ents.get(ents.size() - 1).getIndex();
                    pr.optimisticUpdate(last);
                    pr.inflights.add(last);
                }
                case PROBE -> pr.probeSent = true;
                default -> throw new IllegalStateException(id + " is sending append in unhandled state " + pr.state);
            }
        }
        send(m);
        return true;
    }

    private boolean sendSnapshot(Progress pr, Message.Builder m) {
        if (!pr.recentActive) {
            return false;
        }
        Snapshot snap;
        try {
            snap = raftLog.snapshot();
        } catch (SnapshotTemporarilyUnavailableException e) {
            return false;
        }
        if (snap.getMetadata().getIndex() == 0) {
            throw new IllegalStateException("need non-empty snapshot");
        }
        pr.becomeSnapshot(snap.getMetadata().getIndex());
        m.setType(MessageType.MSG_SNAP).setSnapshot(snap);
        send(m);
        return true;
    }

    private void sendHeartbeat(long to, ByteString ctx) {
        // Never send a commit index beyond what the follower is known to hold: it could not commit it.
        long commit = Math.min(prs.progress.get(to).match, raftLog.committed);
        send(Message.newBuilder().setTo(to).setType(MessageType.MSG_HEARTBEAT).setCommit(commit).setContext(ctx));
    }

    private void bcastAppend() {
        for (long to : prs.progress.keySet()) {
            if (to != id) {
                sendAppend(to);
            }
        }
    }

    private void bcastHeartbeat(ByteString ctx) {
        for (long to : prs.progress.keySet()) {
            if (to != id) {
                sendHeartbeat(to, ctx);
            }
        }
    }

    /** Advances the commit index to what a quorum holds; returns whether it moved. */
    boolean maybeCommit() {
        return raftLog.maybeCommit(prs.committed(), term);
    }

    // ---------------------------------------------------------------- role changes

    private void reset(long newTerm) {
        if (term != newTerm) {
            term = newTerm;
            vote = NONE;
        }
        lead = NONE;
        electionElapsed = 0;
        heartbeatElapsed = 0;
        resetRandomizedElectionTimeout();
        leadTransferee = NONE;
        prs.resetVotes();
        long last = raftLog.lastIndex();
        for (Map.Entry<Long, Progress> e : prs.progress.entrySet()) {
            Progress p = new Progress(last + 1, prs.maxInflight, e.getValue().isLearner);
            if (e.getKey() == id) {
                p.match = last;
            }
            e.setValue(p);
        }
        pendingConfIndex = 0;
        uncommittedSize = 0;
        readOnly = new ReadOnly(readOnly.option, maxPendingReadIndex);
        pendingReadIndexMessages.clear();
    }

    private void resetRandomizedElectionTimeout() {
        randomizedElectionTimeout = electionTimeout + random.nextInt(electionTimeout);
    }

    void becomeFollower(long newTerm, long newLead) {
        reset(newTerm);
        lead = newLead;
        state = StateRole.FOLLOWER;
    }

    void becomeCandidate() {
        if (state == StateRole.LEADER) {
            throw new IllegalStateException("invalid transition [leader -> candidate]");
        }
        reset(term + 1);
        vote = id;
        state = StateRole.CANDIDATE;
    }

    private void becomePreCandidate() {
        if (state == StateRole.LEADER) {
            throw new IllegalStateException("invalid transition [leader -> pre-candidate]");
        }
        // Pre-vote changes neither term nor vote (thesis §9.6).
        prs.resetVotes();
        lead = NONE;
        state = StateRole.PRE_CANDIDATE;
    }

    void becomeLeader() {
        if (state == StateRole.FOLLOWER) {
            throw new IllegalStateException("invalid transition [follower -> leader]");
        }
        reset(term);
        lead = id;
        state = StateRole.LEADER;
        prs.progress.get(id).becomeReplicate();
        // Conservatively assume the log holds an unapplied conf change: no new one until everything is applied.
        pendingConfIndex = raftLog.lastIndex();
        // The empty entry of the new term lets the leader commit earlier entries (thesis §3.6.2, §6.4).
        appendEntry(List.of(Entry.getDefaultInstance()));
    }

    /** Appends entries to the leader's log (assigning term and index); false if the uncommitted quota is exceeded. */
    private boolean appendEntry(List<Entry> es) {
        long li = raftLog.lastIndex();
        List<Entry> stamped = new ArrayList<>(es.size());
        for (int i = 0; i < es.size(); i++) {
            stamped.add(es.get(i).toBuilder().setTerm(term).setIndex(li + 1 + i).build());
        }
        if (!increaseUncommittedSize(stamped)) {
            return false;
        }
        li = raftLog.append(stamped);
        // etcd 3.4: the leader counts its own entries at once; the application makes this safe by applying a
        // Ready's committed entries only after that Ready's entries are durable.
        prs.progress.get(id).maybeUpdate(li);
        maybeCommit();
        return true;
    }

    private boolean increaseUncommittedSize(List<Entry> ents) {
        long s = Entries.payloadSize(ents);
        if (maxUncommittedSize > 0 && uncommittedSize > 0 && s > 0 && uncommittedSize + s > maxUncommittedSize) {
            return false;
        }
        uncommittedSize += s;
        return true;
    }

    void reduceUncommittedSize(List<Entry> ents) {
        if (uncommittedSize == 0) {
            return;
        }
        long s = Entries.payloadSize(ents);
        uncommittedSize = s > uncommittedSize ? 0 : uncommittedSize - s;
    }

    // ---------------------------------------------------------------- ticks

    void tick() {
        if (state == StateRole.LEADER) {
            tickHeartbeat();
        } else {
            tickElection();
        }
    }

    private void tickElection() {
        electionElapsed++;
        if (promotable() && electionElapsed >= randomizedElectionTimeout) {
            electionElapsed = 0;
            step(Message.newBuilder().setFrom(id).setType(MessageType.MSG_HUP).build());
        }
    }

    private void tickHeartbeat() {
        heartbeatElapsed++;
        electionElapsed++;
        if (electionElapsed >= electionTimeout) {
            electionElapsed = 0;
            if (checkQuorum) {
                step(Message.newBuilder().setFrom(id).setType(MessageType.MSG_CHECK_QUORUM).build());
            }
            // A transfer that did not finish within an election timeout is abandoned.
            if (state == StateRole.LEADER && leadTransferee != NONE) {
                leadTransferee = NONE;
            }
        }
        if (state != StateRole.LEADER) {
            return;
        }
        if (heartbeatElapsed >= heartbeatTimeout) {
            heartbeatElapsed = 0;
            step(Message.newBuilder().setFrom(id).setType(MessageType.MSG_BEAT).build());
        }
    }

    // ---------------------------------------------------------------- elections

    private void hup(CampaignType t) {
        if (state == StateRole.LEADER) {
            return;
        }
        if (!promotable()) {
            return;
        }
        // A committed but unapplied conf change may change who votes: wait until it is applied.
        long lo = Math.max(raftLog.applied + 1, raftLog.firstIndex());
        if (raftLog.committed >= lo
                && Entries.countConfChanges(raftLog.slice(lo, raftLog.committed + 1, Entries.NO_LIMIT)) != 0) {
            return;
        }
        campaign(t);
    }

    private void campaign(CampaignType t) {
        if (!promotable()) {
            return;
        }
        long voteTerm;
        MessageType voteMsg;
        if (t == CampaignType.PRE_ELECTION) {
            becomePreCandidate();
            voteMsg = MessageType.MSG_PRE_VOTE;
            // Pre-vote asks for the next term without incrementing ours.
            voteTerm = term + 1;
        } else {
            becomeCandidate();
            voteMsg = MessageType.MSG_VOTE;
            voteTerm = term;
        }
        if (poll(id, true) == ProgressTracker.VoteResult.WON) {
            // Won at once: a single voter.
            if (t == CampaignType.PRE_ELECTION) {
                campaign(CampaignType.ELECTION);
            } else {
                becomeLeader();
            }
            return;
        }
        for (long to : prs.voters) {
            if (to == id) {
                continue;
            }
            Message.Builder m = Message.newBuilder().setTerm(voteTerm).setTo(to).setType(voteMsg)
                    .setIndex(raftLog.lastIndex()).setLogTerm(raftLog.lastTerm());
            if (t == CampaignType.TRANSFER) {
                m.setContext(CAMPAIGN_TRANSFER);
            }
            send(m);
        }
    }

    private ProgressTracker.VoteResult poll(long from, boolean granted) {
        prs.recordVote(from, granted);
        return prs.tallyVotes();
    }

    private static MessageType voteRespType(MessageType t) {
        return t == MessageType.MSG_VOTE ? MessageType.MSG_VOTE_RESP : MessageType.MSG_PRE_VOTE_RESP;
    }

    // ---------------------------------------------------------------- step

    /**
     * Processes one message (etcd {@code raft.Step}).
     *
     * @return false if the message was a proposal that was dropped, true otherwise
     */
    boolean step(Message m) {
        // Term handling (thesis §3.3; lease and pre-vote rules from §4.2.3 and §9.6).
        if (m.getTerm() == 0) {
            // local message
        } else if (m.getTerm() > term) {
            MessageType t = m.getType();
            if (t == MessageType.MSG_VOTE || t == MessageType.MSG_PRE_VOTE) {
                boolean force = m.getContext().equals(CAMPAIGN_TRANSFER);
                boolean inLease = checkQuorum && lead != NONE && electionElapsed < electionTimeout;
                if (!force && inLease) {
                    // We heard from a leader within the minimum election timeout: do not let a disruptive
                    // member depose it (thesis §4.2.3).
                    return true;
                }
            }
            if (t == MessageType.MSG_PRE_VOTE) {
                // Never change our term in response to a pre-vote.
            } else if (t == MessageType.MSG_PRE_VOTE_RESP && !m.getReject()) {
                // A granted pre-vote carries the future term we asked for; the term moves when the quorum is in.
            } else if (t == MessageType.MSG_APP || t == MessageType.MSG_HEARTBEAT || t == MessageType.MSG_SNAP) {
                becomeFollower(m.getTerm(), m.getFrom());
            } else {
                becomeFollower(m.getTerm(), NONE);
            }
        } else if (m.getTerm() < term) {
            MessageType t = m.getType();
            if ((checkQuorum || preVote) && (t == MessageType.MSG_HEARTBEAT || t == MessageType.MSG_APP)) {
                // A stale leader (e.g. after a partition) would otherwise never learn of the new term, since with
                // check-quorum/pre-vote we do not bump terms on its behalf: tell it.
                send(Message.newBuilder().setTo(m.getFrom()).setType(MessageType.MSG_APP_RESP));
            } else if (t == MessageType.MSG_PRE_VOTE) {
                send(Message.newBuilder().setTo(m.getFrom()).setTerm(term).setType(MessageType.MSG_PRE_VOTE_RESP)
                        .setReject(true));
            }
            return true;
        }

        switch (m.getType()) {
            case MSG_HUP -> hup(preVote ? CampaignType.PRE_ELECTION : CampaignType.ELECTION);
            case MSG_VOTE, MSG_PRE_VOTE -> handleVote(m);
            default -> {
                return switch (state) {
                    case LEADER -> stepLeader(m);
                    case CANDIDATE, PRE_CANDIDATE -> stepCandidate(m);
                    case FOLLOWER -> stepFollower(m);
                };
            }
        }
        return true;
    }

    private void handleVote(Message m) {
        // We may vote again for the same candidate (duplicated request), for anyone if we have no vote and know
        // no leader, and grant any pre-vote for a future term.
        boolean canVote = vote == m.getFrom()
                || (vote == NONE && lead == NONE)
                || (m.getType() == MessageType.MSG_PRE_VOTE && m.getTerm() > term);
        if (canVote && raftLog.isUpToDate(m.getIndex(), m.getLogTerm())) {
            // The response carries the request's term: for a pre-vote our own term may be lower.
            send(Message.newBuilder().setTo(m.getFrom()).setTerm(m.getTerm()).setType(voteRespType(m.getType())));
            if (m.getType() == MessageType.MSG_VOTE) {
                electionElapsed = 0;
                vote = m.getFrom();
            }
        } else {
            send(Message.newBuilder().setTo(m.getFrom()).setTerm(term).setType(voteRespType(m.getType()))
                    .setReject(true));
        }
    }

    private boolean stepLeader(Message m) {
        switch (m.getType()) {
            case MSG_BEAT -> {
                bcastHeartbeat(readOnly.lastPendingRequestCtx());
                return true;
            }
            case MSG_CHECK_QUORUM -> {
                Progress self = prs.progress.get(id);
                if (self != null) {
                    self.recentActive = true;
                }
                if (!prs.quorumActive()) {
                    becomeFollower(term, NONE);
                }
                for (Map.Entry<Long, Progress> e : prs.progress.entrySet()) {
                    if (e.getKey() != id) {
                        e.getValue().recentActive = false;
                    }
                }
                return true;
            }
            case MSG_PROP -> {
                return stepLeaderPropose(m);
            }
            case MSG_READ_INDEX -> {
                if (!committedEntryInCurrentTerm()) {
                    // Not yet sure what is committed (thesis §6.4 step 1): answer once the term's entry commits.
                    if (pendingReadIndexMessages.size() < maxPendingReadIndex) {
                        pendingReadIndexMessages.add(m);
                    }
                    return true;
                }
                sendReadIndexResponse(m);
                return true;
            }
            default -> {
                // handled below
            }
        }

        Progress pr = prs.progress.get(m.getFrom());
        if (pr == null) {
            return true;
        }
        switch (m.getType()) {
            case MSG_APP_RESP -> handleAppendResponse(m, pr);
            case MSG_HEARTBEAT_RESP -> handleHeartbeatResponse(m, pr);
            case MSG_SNAP_STATUS -> {
                if (pr.state != ProgressState.SNAPSHOT) {
                    return true;
                }
                if (m.getReject()) {
                    pr.pendingSnapshot = 0;
                }
                pr.becomeProbe();
                // Success: wait for the MsgAppResp the follower sends after applying it. Failure: wait a heartbeat.
                pr.probeSent = true;
            }
            case MSG_UNREACHABLE -> {
                // An optimistic MsgApp to an unreachable member was probably lost.
                if (pr.state == ProgressState.REPLICATE) {
                    pr.becomeProbe();
                }
            }
            case MSG_TRANSFER_LEADER -> handleTransferLeader(m, pr);
            default -> {
            }
        }
        return true;
    }

    private boolean stepLeaderPropose(Message m) {
        if (m.getEntriesCount() == 0) {
            throw new IllegalStateException("stepped empty MsgProp");
        }
        if (!prs.progress.containsKey(id) || leadTransferee != NONE) {
            // Removed from the configuration, or handing leadership over: refuse (etcd ErrProposalDropped).
            return false;
        }
        for (Entry e : m.getEntriesList()) {
            if (e.getType() == io.vertcd.raft.pb.EntryType.ENTRY_CONF_CHANGE && pendingConfIndex > raftLog.applied) {
                // Single-step membership changes: one at a time (thesis §4.1). etcd replaces the entry with an
                // empty one; we drop the whole proposal so the proposer learns at once.
                return false;
            }
        }
        long last = raftLog.lastIndex();
        if (!appendEntry(m.getEntriesList())) {
            return false;
        }
        for (int i = 0; i < m.getEntriesCount(); i++) {
            if (m.getEntries(i).getType() == io.vertcd.raft.pb.EntryType.ENTRY_CONF_CHANGE) {
                pendingConfIndex = last + 1 + i;
            }
        }
        bcastAppend();
        return true;
    }

    private void handleAppendResponse(Message m, Progress pr) {
        pr.recentActive = true;
        if (m.getReject()) {
            long nextProbeIdx = m.getRejectHint();
            if (m.getLogTerm() > 0) {
                // The follower told us the term at its hint: skip all our entries of larger terms too.
                nextProbeIdx = raftLog.findConflictByTerm(m.getRejectHint(), m.getLogTerm());
            }
            if (pr.maybeDecrTo(m.getIndex(), nextProbeIdx)) {
                if (pr.state == ProgressState.REPLICATE) {
                    pr.becomeProbe();
                }
                sendAppend(m.getFrom());
            }
            return;
        }
        boolean oldPaused = pr.isPaused();
        if (!pr.maybeUpdate(m.getIndex())) {
            return;
        }
        if (pr.state == ProgressState.PROBE) {
            pr.becomeReplicate();
        } else if (pr.state == ProgressState.SNAPSHOT && pr.match >= pr.pendingSnapshot) {
            pr.becomeProbe();
            pr.becomeReplicate();
        } else if (pr.state == ProgressState.REPLICATE) {
            pr.inflights.freeLE(m.getIndex());
        }
        if (maybeCommit()) {
            releasePendingReadIndexMessages();
            bcastAppend();
        } else if (oldPaused) {
            // The follower was paused: it may not know our commit index, or it needs more entries.
            sendAppend(m.getFrom());
        }
        // Flow control may allow several size-limited messages now: send them (but no empty ones).
        while (maybeSendAppend(m.getFrom(), false)) {
            // keep sending
        }
        if (m.getFrom() == leadTransferee && pr.match == raftLog.lastIndex()) {
            sendTimeoutNow(m.getFrom());
        }
    }

    private void handleHeartbeatResponse(Message m, Progress pr) {
        pr.recentActive = true;
        pr.probeSent = false;
        // Free one slot of a full window so that a member that lost MsgApps makes progress.
        if (pr.state == ProgressState.REPLICATE && pr.inflights.full()) {
            pr.inflights.freeFirstOne();
        }
        if (pr.match < raftLog.lastIndex()) {
            sendAppend(m.getFrom());
        }
        if (readOnly.option != ReadOnlyOption.SAFE || m.getContext().isEmpty()) {
            return;
        }
        Set<Long> acks = readOnly.recvAck(m.getFrom(), m.getContext());
        if (acks == null || !prs.hasQuorum(acks)) {
            return;
        }
        for (ReadOnly.Status rs : readOnly.advance(m.getContext())) {
            respondToReadIndex(rs.req(), rs.index());
        }
    }

    private void handleTransferLeader(Message m, Progress pr) {
        if (pr.isLearner) {
            return;
        }
        long transferee = m.getFrom();
        if (leadTransferee != NONE) {
            if (leadTransferee == transferee) {
                return;
            }
            leadTransferee = NONE;
        }
        if (transferee == id) {
            return;
        }
        // The transfer must finish within one election timeout (thesis §3.10).
        electionElapsed = 0;
        leadTransferee = transferee;
        if (pr.match == raftLog.lastIndex()) {
            sendTimeoutNow(transferee);
        } else {
            sendAppend(transferee);
        }
    }

    private void sendTimeoutNow(long to) {
        send(Message.newBuilder().setTo(to).setType(MessageType.MSG_TIMEOUT_NOW));
    }

    private boolean committedEntryInCurrentTerm() {
        return raftLog.termOrZero(raftLog.committed) == term;
    }

    private void releasePendingReadIndexMessages() {
        if (pendingReadIndexMessages.isEmpty() || !committedEntryInCurrentTerm()) {
            return;
        }
        List<Message> pending = new ArrayList<>(pendingReadIndexMessages);
        pendingReadIndexMessages.clear();
        for (Message m : pending) {
            sendReadIndexResponse(m);
        }
    }

    private void sendReadIndexResponse(Message m) {
        if (prs.isSingleton() || readOnly.option == ReadOnlyOption.LEASE_BASED) {
            // A lone voter (or a leader trusting its lease) knows its commit index is current.
            respondToReadIndex(m, raftLog.committed);
            return;
        }
        ByteString ctx = m.getEntries(0).getData();
        if (!readOnly.addRequest(raftLog.committed, m)) {
            return; // full: dropped, the requester retries
        }
        readOnly.recvAck(id, ctx);
        bcastHeartbeat(ctx);
    }

    private void respondToReadIndex(Message req, long index) {
        if (req.getFrom() == NONE || req.getFrom() == id) {
            readStates.add(new ReadState(index, req.getEntries(0).getData()));
        } else {
            send(Message.newBuilder().setTo(req.getFrom()).setType(MessageType.MSG_READ_INDEX_RESP).setIndex(index)
                    .addAllEntries(req.getEntriesList()));
        }
    }

    private boolean stepCandidate(Message m) {
        MessageType myVoteResp = state == StateRole.PRE_CANDIDATE ? MessageType.MSG_PRE_VOTE_RESP : MessageType.MSG_VOTE_RESP;
        switch (m.getType()) {
            case MSG_PROP -> {
                return false;
            }
            case MSG_APP -> {
                becomeFollower(m.getTerm(), m.getFrom());
                handleAppendEntries(m);
            }
            case MSG_HEARTBEAT -> {
                becomeFollower(m.getTerm(), m.getFrom());
                handleHeartbeat(m);
            }
            case MSG_SNAP -> {
                becomeFollower(m.getTerm(), m.getFrom());
                handleSnapshot(m);
            }
            default -> {
                if (m.getType() == myVoteResp) {
                    switch (poll(m.getFrom(), !m.getReject())) {
                        case WON -> {
                            if (!promotable()) {
                                // Removed or demoted while campaigning: a non-voter must not lead.
                                becomeFollower(term, NONE);
                            } else if (state == StateRole.PRE_CANDIDATE) {
                                campaign(CampaignType.ELECTION);
                            } else {
                                becomeLeader();
                                bcastAppend();
                            }
                        }
                        // A pre-vote response may carry a future term: stay in ours.
                        case LOST -> becomeFollower(term, NONE);
                        default -> {
                        }
                    }
                }
            }
        }
        return true;
    }

    private boolean stepFollower(Message m) {
        switch (m.getType()) {
            case MSG_PROP -> {
                if (lead == NONE) {
                    return false;
                }
                send(m.toBuilder().setTo(lead));
            }
            case MSG_APP -> {
                electionElapsed = 0;
                lead = m.getFrom();
                handleAppendEntries(m);
            }
            case MSG_HEARTBEAT -> {
                electionElapsed = 0;
                lead = m.getFrom();
                handleHeartbeat(m);
            }
            case MSG_SNAP -> {
                electionElapsed = 0;
                lead = m.getFrom();
                handleSnapshot(m);
            }
            case MSG_TRANSFER_LEADER -> {
                if (lead != NONE) {
                    send(m.toBuilder().setTo(lead));
                }
            }
            case MSG_TIMEOUT_NOW -> {
                // Leadership transfer skips pre-vote: the leader asked, no partition to guard against. The same
                // checks as a timeout apply (etcd 3.5 hup): no campaign with an unapplied conf change.
                hup(CampaignType.TRANSFER);
            }
            case MSG_READ_INDEX -> {
                if (lead != NONE) {
                    send(m.toBuilder().setTo(lead));
                }
            }
            case MSG_READ_INDEX_RESP -> {
                if (m.getEntriesCount() == 1) {
                    readStates.add(new ReadState(m.getIndex(), m.getEntries(0).getData()));
                }
            }
            default -> {
            }
        }
        return true;
    }

    private void handleAppendEntries(Message m) {
        if (m.getIndex() < raftLog.committed) {
            send(Message.newBuilder().setTo(m.getFrom()).setType(MessageType.MSG_APP_RESP).setIndex(raftLog.committed));
            return;
        }
        long lastNew = raftLog.maybeAppend(m.getIndex(), m.getLogTerm(), m.getCommit(), m.getEntriesList());
        if (lastNew != -1) {
            send(Message.newBuilder().setTo(m.getFrom()).setType(MessageType.MSG_APP_RESP).setIndex(lastNew));
            return;
        }
        // Rejection with a hint: the largest index <= min(m.index, lastIndex) whose term is <= m.logTerm, and
        // its term, so that the leader can skip a whole conflicting term per round trip.
        long hintIndex = Math.min(m.getIndex(), raftLog.lastIndex());
        hintIndex = raftLog.findConflictByTerm(hintIndex, m.getLogTerm());
        long hintTerm = raftLog.termOrZero(hintIndex);
        send(Message.newBuilder().setTo(m.getFrom()).setType(MessageType.MSG_APP_RESP).setIndex(m.getIndex())
                .setReject(true).setRejectHint(hintIndex).setLogTerm(hintTerm));
    }

    private void handleHeartbeat(Message m) {
        raftLog.commitTo(m.getCommit());
        send(Message.newBuilder().setTo(m.getFrom()).setType(MessageType.MSG_HEARTBEAT_RESP).setContext(m.getContext()));
    }

    private void handleSnapshot(Message m) {
        if (restore(m.getSnapshot())) {
            send(Message.newBuilder().setTo(m.getFrom()).setType(MessageType.MSG_APP_RESP).setIndex(raftLog.lastIndex()));
        } else {
            send(Message.newBuilder().setTo(m.getFrom()).setType(MessageType.MSG_APP_RESP).setIndex(raftLog.committed));
        }
    }

    /** Installs a snapshot from the leader; false if it is stale or already covered by our log. */
    boolean restore(Snapshot s) {
        long sIndex = s.getMetadata().getIndex();
        if (sIndex <= raftLog.committed) {
            return false;
        }
        if (state != StateRole.FOLLOWER) {
            // Defense in depth (etcd 3.4.x): only followers install snapshots.
            becomeFollower(term + 1, NONE);
            return false;
        }
        ConfState cs = s.getMetadata().getConfState();
        if (!cs.getVotersList().contains(id) && !cs.getLearnersList().contains(id)) {
            // A snapshot that does not include us must not be installed.
            return false;
        }
        if (raftLog.matchTerm(sIndex, s.getMetadata().getTerm())) {
            // We already hold the entry: just fast-forward the commit index.
            raftLog.commitTo(sIndex);
            return false;
        }
        raftLog.restore(s);
        restoreConf(cs);
        return true;
    }

    // ---------------------------------------------------------------- membership

    /**
     * Applies a committed single-step membership change (thesis §4.1) to the tracker and returns the new ConfState.
     * A leader that is removed or demoted steps down (etcd 3.4 keeps leading until it is shut down; stepping down
     * lets the remaining voters elect a leader without waiting for a check-quorum round).
     */
    ConfState applyConfChange(ConfChange cc) {
        long nodeId = cc.getNodeId();
        if (nodeId != NONE) {
            switch (cc.getType()) {
                case CONF_CHANGE_ADD_NODE -> addNode(nodeId, false);
                case CONF_CHANGE_ADD_LEARNER_NODE -> addNode(nodeId, true);
                case CONF_CHANGE_REMOVE_NODE -> {
                    prs.voters.remove(nodeId);
                    prs.learners.remove(nodeId);
                    prs.progress.remove(nodeId);
                }
                case CONF_CHANGE_UPDATE_NODE -> {
                }
                default -> throw new IllegalArgumentException("unexpected conf change type " + cc.getType());
            }
        }
        Progress self = prs.progress.get(id);
        isLearner = self != null && self.isLearner;
        if (state == StateRole.LEADER) {
            if (self == null || isLearner) {
                becomeFollower(term, NONE);
            } else if (!prs.voters.isEmpty()) {
                if (maybeCommit()) {
                    // Removing a voter may lower the quorum and commit entries at once.
                    bcastAppend();
                } else {
                    // Probe newly added members now rather than waiting for a heartbeat.
                    for (long to : new ArrayList<>(prs.progress.keySet())) {
                        if (to != id) {
                            maybeSendAppend(to, false);
                        }
                    }
                }
                if (leadTransferee != NONE && !prs.voters.contains(leadTransferee)) {
                    leadTransferee = NONE;
                }
            }
        }
        return prs.confState();
    }

    private void addNode(long nodeId, boolean learner) {
        Progress pr = prs.progress.get(nodeId);
        if (pr == null) {
            pr = newProgress(raftLog.lastIndex() + 1, learner);
            prs.progress.put(nodeId, pr);
        }
        pr.isLearner = learner;
        if (learner) {
            prs.voters.remove(nodeId);
            prs.learners.add(nodeId);
        } else {
            prs.learners.remove(nodeId);
            prs.voters.add(nodeId);
        }
    }

    // ---------------------------------------------------------------- Ready acknowledgement

    /** The application handled a Ready: applied up to {@code appliedIndex}, persisted up to (index, term). */
    void advance(long appliedIndex, List<Entry> committedEntries, long stableIndex, long stableTerm, long snapIndex) {
        reduceUncommittedSize(committedEntries);
        if (appliedIndex > 0) {
            raftLog.appliedTo(appliedIndex);
        }
        if (stableIndex > 0) {
            raftLog.stableTo(stableIndex, stableTerm);
        }
        if (snapIndex > 0) {
            raftLog.stableSnapTo(snapIndex);
        }
    }
}
