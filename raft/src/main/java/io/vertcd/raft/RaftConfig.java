package io.vertcd.raft;

import java.util.Objects;
import java.util.Random;

/**
 * Parameters of one Raft member (etcd raft {@code Config}, raft/raft.go). Build with {@link #builder()}; defaults
 * follow etcd's server. Times are in ticks of {@link RawNode#tick()} (etcd's server ticks every 100 ms).
 */
public final class RaftConfig {
    private final long id;
    private final int electionTick;
    private final int heartbeatTick;
    private final Storage storage;
    private final long applied;
    private final long maxSizePerMsg;
    private final long maxCommittedSizePerReady;
    private final int maxInflightMsgs;
    private final long maxUncommittedEntriesSize;
    private final boolean checkQuorum;
    private final boolean preVote;
    private final Random random;
    private final ReadOnlyOption readOnlyOption;
    private final int maxPendingReadIndex;

    private RaftConfig(Builder b) {
        this.id = b.id;
        this.electionTick = b.electionTick;
        this.heartbeatTick = b.heartbeatTick;
        this.storage = b.storage;
        this.applied = b.applied;
        this.maxSizePerMsg = b.maxSizePerMsg;
        this.maxCommittedSizePerReady = b.maxCommittedSizePerReady > 0 ? b.maxCommittedSizePerReady : b.maxSizePerMsg;
        this.maxInflightMsgs = b.maxInflightMsgs;
        this.maxUncommittedEntriesSize = b.maxUncommittedEntriesSize;
        this.checkQuorum = b.checkQuorum;
        this.preVote = b.preVote;
        this.random = b.random != null ? b.random : new Random(b.id);
        this.readOnlyOption = b.readOnlyOption;
        this.maxPendingReadIndex = b.maxPendingReadIndex;
    }

    /** @return a builder with etcd's defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return this member's id (non-zero) */
    public long id() {
        return id;
    }

    /** @return ticks without hearing from a leader before campaigning; the timeout is randomized in [e, 2e) */
    public int electionTick() {
        return electionTick;
    }

    /** @return ticks between leader heartbeats */
    public int heartbeatTick() {
        return heartbeatTick;
    }

    /** @return the log the core reads */
    public Storage storage() {
        return storage;
    }

    /** @return the last index the application applied before a restart (0 for a new member) */
    public long applied() {
        return applied;
    }

    /** @return byte limit of the entries in one MsgApp (at least one entry is always sent) */
    public long maxSizePerMsg() {
        return maxSizePerMsg;
    }

    /** @return byte limit of the committed entries in one {@link Ready} (defaults to maxSizePerMsg) */
    public long maxCommittedSizePerReady() {
        return maxCommittedSizePerReady;
    }

    /** @return capacity of each follower's in-flight MsgApp window */
    public int maxInflightMsgs() {
        return maxInflightMsgs;
    }

    /** @return leader's limit in bytes on uncommitted entry payloads; 0 means no limit */
    public long maxUncommittedEntriesSize() {
        return maxUncommittedEntriesSize;
    }

    /** @return whether the leader steps down when it has not heard from a quorum for an election timeout (§6.2) */
    public boolean checkQuorum() {
        return checkQuorum;
    }

    /** @return whether elections start with a pre-vote round (thesis §9.6) */
    public boolean preVote() {
        return preVote;
    }

    /** @return the seeded source of the randomized election timeout */
    public Random random() {
        return random;
    }

    /** @return how ReadIndex requests are confirmed */
    public ReadOnlyOption readOnlyOption() {
        return readOnlyOption;
    }

    /** @return bound on the leader's pending ReadIndex requests (beyond it, requests are dropped) */
    public int maxPendingReadIndex() {
        return maxPendingReadIndex;
    }

    /** Mutable builder; {@link #build()} validates like etcd's {@code Config.validate}. */
    public static final class Builder {
        private long id;
        private int electionTick = 10;
        private int heartbeatTick = 1;
        private Storage storage;
        private long applied;
        private long maxSizePerMsg = 1024 * 1024;
        private long maxCommittedSizePerReady;
        private int maxInflightMsgs = 256;
        private long maxUncommittedEntriesSize;
        private boolean checkQuorum = true;
        private boolean preVote = true;
        private Random random;
        private ReadOnlyOption readOnlyOption = ReadOnlyOption.SAFE;
        private int maxPendingReadIndex = 4096;

        private Builder() {
        }

        /** @param v member id, non-zero */
        public Builder id(long v) {
            id = v;
            return this;
        }

        /** @param v election timeout in ticks, greater than heartbeatTick (default 10) */
        public Builder electionTick(int v) {
            electionTick = v;
            return this;
        }

        /** @param v heartbeat interval in ticks (default 1) */
        public Builder heartbeatTick(int v) {
            heartbeatTick = v;
            return this;
        }

        /** @param v the storage, required */
        public Builder storage(Storage v) {
            storage = v;
            return this;
        }

        /** @param v last applied index when restarting (default 0) */
        public Builder applied(long v) {
            applied = v;
            return this;
        }

        /** @param v bytes per MsgApp (default 1 MiB) */
        public Builder maxSizePerMsg(long v) {
            maxSizePerMsg = v;
            return this;
        }

        /** @param v bytes of committed entries per Ready (default: maxSizePerMsg) */
        public Builder maxCommittedSizePerReady(long v) {
            maxCommittedSizePerReady = v;
            return this;
        }

        /** @param v in-flight MsgApp window per follower (default 256) */
        public Builder maxInflightMsgs(int v) {
            maxInflightMsgs = v;
            return this;
        }

        /** @param v bytes of uncommitted payload the leader accepts, 0 = unlimited (default 0) */
        public Builder maxUncommittedEntriesSize(long v) {
            maxUncommittedEntriesSize = v;
            return this;
        }

        /** @param v check-quorum (default true) */
        public Builder checkQuorum(boolean v) {
            checkQuorum = v;
            return this;
        }

        /** @param v pre-vote (default true) */
        public Builder preVote(boolean v) {
            preVote = v;
            return this;
        }

        /** @param v seeded random for election timeouts (default {@code new Random(id)}) */
        public Builder random(Random v) {
            random = v;
            return this;
        }

        /** @param v ReadIndex mode (default SAFE) */
        public Builder readOnlyOption(ReadOnlyOption v) {
            readOnlyOption = v;
            return this;
        }

        /** @param v bound on pending ReadIndex requests at the leader (default 4096) */
        public Builder maxPendingReadIndex(int v) {
            maxPendingReadIndex = v;
            return this;
        }

        /**
         * @return the validated configuration
         * @throws IllegalArgumentException if a field is out of range (messages follow etcd's)
         */
        public RaftConfig build() {
            if (id == 0) {
                throw new IllegalArgumentException("cannot use none as id");
            }
            if (heartbeatTick <= 0) {
                throw new IllegalArgumentException("heartbeat tick must be greater than 0");
            }
            if (electionTick <= heartbeatTick) {
                throw new IllegalArgumentException("election tick must be greater than heartbeat tick");
            }
            Objects.requireNonNull(storage, "storage cannot be nil");
            if (maxSizePerMsg <= 0 || maxInflightMsgs <= 0 || maxPendingReadIndex <= 0) {
                throw new IllegalArgumentException("max size/inflight/pending limits must be greater than 0");
            }
            if (maxUncommittedEntriesSize < 0 || applied < 0) {
                throw new IllegalArgumentException("negative size or index");
            }
            if (readOnlyOption == ReadOnlyOption.LEASE_BASED && !checkQuorum) {
                throw new IllegalArgumentException("CheckQuorum must be enabled when ReadOnlyOption is ReadOnlyLeaseBased");
            }
            return new RaftConfig(this);
        }
    }
}
