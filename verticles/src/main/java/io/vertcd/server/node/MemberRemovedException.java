package io.vertcd.server.node;

import io.vertcd.server.cli.MemberIds;

/**
 * This member applied its own removal from the cluster (Cluster.MemberRemove): it stops, as etcd
 * does ("the member has been permanently removed from the cluster"); its data directory cannot
 * rejoin.
 */
public final class MemberRemovedException extends RuntimeException {
    /** @param memberId the removed member */
    public MemberRemovedException(long memberId) {
        super("the member " + MemberIds.toHex(memberId) + " has been permanently removed from the cluster");
    }
}
