package io.vertcd.raft;

import io.vertcd.raft.pb.ConfState;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Membership, per-member {@link Progress}, votes and quorum arithmetic (etcd raft/tracker/tracker.go and
 * raft/quorum/majority.go, restricted to single-step membership changes: one majority configuration).
 * Maps are sorted by id so that message order is deterministic.
 */
final class ProgressTracker {
    /** Outcome of an election tally. */
    enum VoteResult { PENDING, LOST, WON }

    final TreeSet<Long> voters = new TreeSet<>();
    final TreeSet<Long> learners = new TreeSet<>();
    final TreeMap<Long, Progress> progress = new TreeMap<>();
    private final Map<Long, Boolean> votes = new HashMap<>();
    final int maxInflight;

    ProgressTracker(int maxInflight) {
        this.maxInflight = maxInflight;
    }

    ConfState confState() {
        return ConfState.newBuilder().addAllVoters(voters).addAllLearners(learners).build();
    }

    /** @return whether there is exactly one voter (learners do not count) */
    boolean isSingleton() {
        return voters.size() == 1;
    }

    private int quorum() {
        return voters.size() / 2 + 1;
    }

    /**
     * @return the largest index replicated on a majority of voters (the quorum's commit index; thesis §3.6), or 0
     * when there are no voters
     */
    long committed() {
        if (voters.isEmpty()) {
            return 0;
        }
        List<Long> matches = new ArrayList<>(voters.size());
        for (long id : voters) {
            Progress pr = progress.get(id);
            matches.add(pr == null ? 0L : pr.match);
        }
        Collections.sort(matches);
        // The quorum-th largest match.
        return matches.get(voters.size() - quorum());
    }

    /** @return whether a majority of voters was recently active (check-quorum, thesis §6.2) */
    boolean quorumActive() {
        int active = 0;
        for (long id : voters) {
            Progress pr = progress.get(id);
            if (pr != null && pr.recentActive) {
                active++;
            }
        }
        return active >= quorum();
    }

    /** @return whether a majority of voters is among {@code acks} (ReadIndex confirmation) */
    boolean hasQuorum(java.util.Set<Long> acks) {
        int n = 0;
        for (long id : voters) {
            if (acks.contains(id)) {
                n++;
            }
        }
        return n >= quorum();
    }

    void resetVotes() {
        votes.clear();
    }

    /** Records a vote from {@code id} unless it already voted in this election. */
    void recordVote(long id, boolean granted) {
        votes.putIfAbsent(id, granted);
    }

    VoteResult tallyVotes() {
        int granted = 0;
        int missing = 0;
        for (long id : voters) {
            Boolean v = votes.get(id);
            if (v == null) {
                missing++;
            } else if (v) {
                granted++;
            }
        }
        int q = quorum();
        if (granted >= q) {
            return VoteResult.WON;
        }
        if (granted + missing >= q) {
            return VoteResult.PENDING;
        }
        return VoteResult.LOST;
    }

    /** @return a deep copy of every member's progress */
    Map<Long, Progress> copyProgress() {
        Map<Long, Progress> m = new TreeMap<>();
        progress.forEach((id, pr) -> m.put(id, pr.copy()));
        return Collections.unmodifiableMap(m);
    }
}
