package io.vertcd.server.node;

import io.etcd.jetcd.api.CompactionRequest;
import io.vertcd.raft.StateRole;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.EtcdException;
import io.vertcd.statemachine.pb.InternalRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --auto-compaction-mode} / {@code --auto-compaction-retention}: the leader compacts the key-value history by
 * itself, through Raft, on the schedule of etcd 3.4's compactor ({@link CompactionSchedule}); followers keep their
 * schedule's clock running but propose nothing (etcd pauses the compactor while a member is not the leader). Logged
 * as etcd logs it: {@code starting auto periodic compaction}, {@code completed ...}, {@code failed ...}. Driver only.
 */
final class AutoCompactor {
    private static final Logger LOG = LoggerFactory.getLogger(AutoCompactor.class);

    private final NodeState state;
    private final Proposals proposals;
    private CompactionSchedule schedule;
    private long timerId = -1;
    private boolean inFlight;

    AutoCompactor(NodeState state, Proposals proposals) {
        this.state = state;
        this.proposals = proposals;
    }

    /** Starts the schedule the flags ask for, if any. Driver only, once Raft runs. */
    void start() {
        var m = state.config.maintenance();
        if (m.autoCompactionRetention() == 0) {
            return;
        }
        schedule = m.periodicCompaction()
                ? CompactionSchedule.periodic(m.autoCompactionRetention(), NodeState.nowMs(), state.kvStore.currentRevision())
                : CompactionSchedule.revision(m.autoCompactionRetention());
        timerId = state.vertx.setPeriodic(schedule.tickMs(), id -> tick());
        LOG.info("auto compaction mode={} retention={} check-interval={}ms", schedule.isPeriodic() ? "periodic" : "revision",
                retentionText(), schedule.tickMs());
    }

    /** Stops the schedule. Driver only. */
    void stop() {
        if (timerId >= 0) {
            state.vertx.cancelTimer(timerId);
            timerId = -1;
        }
    }

    private void tick() {
        if (state.stopped || inFlight) {
            return;
        }
        long now = NodeState.nowMs();
        long rev = schedule.onTick(now, state.kvStore.currentRevision(), state.role != StateRole.LEADER);
        if (rev < 0) {
            return;
        }
        String mode = schedule.isPeriodic() ? "periodic" : "revision";
        LOG.info("starting auto {} compaction revision={} {}", mode, rev, retentionText());
        inFlight = true;
        InternalRequest req = InternalRequest.newBuilder().setCompaction(CompactionRequest.newBuilder().setRevision(rev)).build();
        proposals.propose(req, -1).onComplete(ar -> {
            inFlight = false;
            Throwable err = ar.failed() ? ar.cause() : ar.result().error();
            boolean ok = err == null || err instanceof EtcdException e && e.error() == EtcdError.COMPACTED;
            schedule.onCompacted(rev, NodeState.nowMs(), ok);
            if (ok) {
                LOG.info("completed auto {} compaction revision={} {} took={}ms", mode, rev, retentionText(),
                        NodeState.nowMs() - now);
            } else {
                LOG.warn("failed auto {} compaction revision={} {} retry-interval={}ms error=\"{}\"", mode, rev,
                        retentionText(), schedule.tickMs(), err.getMessage());
            }
        });
    }

    private String retentionText() {
        return schedule.isPeriodic() ? "compact-period=" + schedule.retention() + "ms"
                : "revision-compaction-retention=" + schedule.retention();
    }
}
