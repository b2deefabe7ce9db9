package io.vertcd.server.cli;

/** Version strings, in one place. */
public final class Versions {
    /**
     * The etcd server version vertcd reports to clients (Maintenance.Status {@code version}).
     * Clients such as clientv3 and etcdctl gate features on it, so it names the etcd release
     * whose client API vertcd serves.
     */
    public static final String ETCD_SERVER_VERSION = "3.5.0";

    /**
     * The cluster version vertcd reports ({@code GET /version} {@code etcdcluster}): etcd's is the lowest server
     * version of the members, as major.minor.0 (etcd membership.RaftCluster.Version).
     */
    public static final String ETCD_CLUSTER_VERSION = "3.5.0";

    /** vertcd's own version, printed by {@code --version}. */
    public static final String VERTCD_VERSION = "0.1.0-SNAPSHOT";

    /** @return the cluster version as etcd's logs name it, major.minor ({@code 3.5}) */
    public static String clusterMinorVersion() {
        return ETCD_CLUSTER_VERSION.substring(0, ETCD_CLUSTER_VERSION.lastIndexOf('.'));
    }

    private Versions() {
    }
}
