package io.vertcd.server.cli;


import io.vertcd.server.tls.TlsInfo;
import io.vertcd.statemachine.lease.LessorOptions;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * The validated configuration of one vertcd member, built by {@link ServerCommand} from etcd's
 * flags and environment variables.
 *
 * @param name the member's human-readable name ({@code --name})
 * @param dataDir the data directory ({@code --data-dir}); the WAL is {@code member/wal}, the
 *     state-machine checkpoint {@code member/snap}
 * @param listenClientUrls addresses the client gRPC server binds ({@code --listen-client-urls}, http or https)
 * @param advertiseClientUrls client URLs reported in MemberList ({@code --advertise-client-urls})
 * @param listenPeerUrls peer listen URLs ({@code --listen-peer-urls}); not bound when the cluster has one member
 * @param advertisePeerUrls this member's peer URLs ({@code --initial-advertise-peer-urls})
 * @param clusterToken {@code --initial-cluster-token}, an input of the member ID
 * @param memberId the member ID (etcd NewMember)
 * @param clusterId the cluster ID (etcd genID)
 * @param maxTxnOps {@code --max-txn-ops}: most operations per Txn branch
 * @param maxRequestBytes {@code --max-request-bytes}: largest proposal accepted, bytes
 * @param quotaBackendBytes effective backend quota in bytes (etcd: 0 means the 2 GiB default,
 *     negative disables the quota, which is represented here as {@link Long#MAX_VALUE})
 * @param snapshotCount {@code --snapshot-count}: applied entries between two state-machine checkpoints
 * @param heartbeatIntervalMs {@code --heartbeat-interval}: the Raft tick, milliseconds
 * @param electionTimeoutMs {@code --election-timeout}, milliseconds (a multiple of the tick)
 * @param watchProgressNotifyIntervalMs {@code --experimental-watch-progress-notify-interval}: how often
 *     watchers created with progress_notify get an empty response with the current revision, ms
 *     (etcd default 10 minutes)
 * @param leaseCheckpointIntervalMs how often the leader checkpoints a lease's remaining TTL through
 *     Raft, ms ({@code --experimental-lease-checkpoint-interval}, default 5 minutes), or
 *     {@link LessorOptions#CHECKPOINTS_OFF} with {@code --experimental-enable-lease-checkpoint=false}
 * @param initialCluster every member of the initial cluster ({@code --initial-cluster}), this one
 *     included, sorted by member ID as unsigned numbers (the order etcd bootstraps Raft's voters in,
 *     membership.RaftCluster.MemberIDs)
 * @param snapshotCatchUpEntries entries kept in the log behind a checkpoint for slow followers
 *     ({@code --experimental-snapshot-catchup-entries}, etcd 3.6; default 5000, etcd
 *     DefaultSnapshotCatchUpEntries); a follower further behind receives a snapshot
 * @param joinExisting {@code --initial-cluster-state existing}: a fresh data directory joins a running
 *     cluster (this member added first with Cluster.MemberAdd) instead of bootstrapping a new one; its
 *     member and cluster IDs then come from the cluster (the node's {@code ClusterJoin}), not from
 *     {@link #memberId()} and {@link #clusterId()}
 * @param strictReconfigCheck {@code --strict-reconfig-check} (default true): refuse membership changes
 *     that would leave too few started or connected voters (the node's {@code ReconfigChecks})
 * @param listenMetricsUrls {@code --listen-metrics-urls}: http or https addresses serving {@code /metrics},
 *     {@code /health}, {@code /livez} and {@code /readyz}; empty for none (etcd's default)
 * @param extensiveMetrics {@code --metrics extensive}: also the gRPC handling-time histogram (etcd's default is
 *     {@code basic})
 * @param clientTls TLS of the https client and metrics URLs ({@code --cert-file}, {@code --trusted-ca-file},
 *     {@code --auto-tls}, ...)
 * @param peerTls TLS of the https peer URLs, listening and dialling ({@code --peer-cert-file}, {@code --peer-auto-tls}, ...)
 * @param selfSignedCertValidityYears validity of auto-TLS certificates, years ({@code --self-signed-cert-validity})
 * @param auth {@code --auth-token}, {@code --auth-token-ttl}, {@code --bcrypt-cost}
 * @param maintenance corruption checks ({@link MaintenanceOptions})
 * @param preVote {@code --pre-vote}: Raft's pre-vote phase (vertcd's default true; etcd 3.4's false)
 * @param maxConcurrentStreams {@code --max-concurrent-streams}: HTTP/2 streams a client may open at once on one
 *     connection of the client port (default 2^32-1, etcd's math.MaxUint32)
 * @param dedicatedWalDir {@code --wal-dir}: the directory of the write-ahead log when it is not under the data
 *     directory, or null
 * @param webConsole {@code --web-console} (vertcd's own flag, default true): serve the web console's static files at
 *     {@code /ui/} on the client port ({@link io.vertcd.server.http.WebConsole})
 */
public record ServerConfig(
        String name,
        Path dataDir,
        List<URI> listenClientUrls,
        List<URI> advertiseClientUrls,
        List<URI> listenPeerUrls,
        List<URI> advertisePeerUrls,
        String clusterToken,
        long memberId,
        long clusterId,
        int maxTxnOps,
        int maxRequestBytes,
        long quotaBackendBytes,
        long snapshotCount,
        int heartbeatIntervalMs,
        int electionTimeoutMs,
        long watchProgressNotifyIntervalMs,
        long leaseCheckpointIntervalMs,
        List<ClusterMember> initialCluster,
        long snapshotCatchUpEntries,
        boolean joinExisting,
        boolean strictReconfigCheck,
        List<URI> listenMetricsUrls,
        boolean extensiveMetrics,
        TlsInfo clientTls,
        TlsInfo peerTls,
        int selfSignedCertValidityYears,
        AuthOptions auth,
        MaintenanceOptions maintenance,
        boolean preVote,
        long maxConcurrentStreams,
        Path dedicatedWalDir,
        boolean webConsole) {

    /** Copies the lists. */
    public ServerConfig {
        initialCluster = List.copyOf(initialCluster);
        listenMetricsUrls = List.copyOf(listenMetricsUrls);
    }

    /** @return the other members of the initial cluster (all but {@link #memberId()}) */
    public List<ClusterMember> initialPeers() {
        return initialCluster.stream().filter(m -> m.id() != memberId).toList();
    }


    /**
     * @return the lessor's settings: etcd's minimum TTL for this election timeout, this member's
     *     lease checkpoint interval, etcd's revoke rate and batch sizes
     */
    public LessorOptions lessorOptions() {
        return LessorOptions.forElection(electionTicks(), heartbeatIntervalMs)
                .withCheckpointInterval(leaseCheckpointIntervalMs);
    }

    /** @return Raft's election tick: election timeout / heartbeat interval (etcd ElectionTicks) */
    public int electionTicks() {
        return electionTimeoutMs / heartbeatIntervalMs;
    }

    /**
     * @return how long a proposal or ReadIndex may wait before failing with
     *     {@code etcdserver: request timed out}, ms: 5 s + 2 x election timeout (etcd ServerConfig.ReqTimeout)
     */
    public long requestTimeoutMs() {
        return 5000L + 2L * electionTimeoutMs;
    }

    /**
     * @param client the client port's TLS settings (e.g. with an auto-TLS certificate)
     * @param peer the peer port's
     * @return a copy with these TLS settings
     */
    public ServerConfig withTls(TlsInfo client, TlsInfo peer) {
        return new ServerConfig(name, dataDir, listenClientUrls, advertiseClientUrls, listenPeerUrls, advertisePeerUrls,
                clusterToken, memberId, clusterId, maxTxnOps, maxRequestBytes, quotaBackendBytes, snapshotCount,
                heartbeatIntervalMs, electionTimeoutMs, watchProgressNotifyIntervalMs, leaseCheckpointIntervalMs,
                initialCluster, snapshotCatchUpEntries, joinExisting, strictReconfigCheck, listenMetricsUrls,
                extensiveMetrics, client, peer, selfSignedCertValidityYears, auth, maintenance, preVote,
                maxConcurrentStreams, dedicatedWalDir, webConsole);
    }

    /** @return where auto TLS keeps the client certificate, {@code <data-dir>/fixtures/client} (etcd ClientSelfCert) */
    public Path clientFixturesDir() {
        return dataDir.resolve("fixtures").resolve("client");
    }

    /** @return where peer auto TLS keeps its certificate, {@code <data-dir>/fixtures/peer} (etcd PeerSelfCert) */
    public Path peerFixturesDir() {
        return dataDir.resolve("fixtures").resolve("peer");
    }

    /** @return the member's write-ahead log directory: {@code --wal-dir}, or {@code <data-dir>/member/wal} */
    public Path walDir() {
        return dedicatedWalDir != null ? dedicatedWalDir : dataDir.resolve("member").resolve("wal");
    }

    /** @return the member's state-machine checkpoint directory, {@code <data-dir>/member/snap} */
    public Path snapDir() {
        return dataDir.resolve("member").resolve("snap");
    }
}
