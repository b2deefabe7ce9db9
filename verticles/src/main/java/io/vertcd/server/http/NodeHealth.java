package io.vertcd.server.http;

import io.etcd.jetcd.api.RangeRequest;
import io.vertcd.server.node.RaftNode;
import io.vertx.core.Future;
import java.util.Objects;
import java.util.Set;

/** The health checks' view of the local member: its leader, published alarms, learner flag and Range. */
public final class NodeHealth implements HealthChecks.Member {
    private final RaftNode node;

    /** @param node the local member */
    public NodeHealth(RaftNode node) {
        this.node = Objects.requireNonNull(node, "node");
    }

    @Override
    public long leader() {
        return node.leader();
    }

    @Override
    public Set<Integer> alarms() {
        return node.stats().snapshot().alarms();
    }

    @Override
    public boolean isLearner() {
        return node.isLearner();
    }

    /** etcd's {@code &pb.RangeRequest{KeysOnly: true, Limit: 1, Serializable: serializable}}. */
    @Override
    public Future<?> range(boolean serializable) {
        return node.reads().range(RangeRequest.newBuilder().setKeysOnly(true).setLimit(1)
                .setSerializable(serializable).build());
    }
}
