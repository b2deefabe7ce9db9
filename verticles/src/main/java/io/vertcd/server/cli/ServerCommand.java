package io.vertcd.server.cli;

import io.vertcd.statemachine.Quota;
import io.vertcd.statemachine.lease.LessorOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import io.vertcd.server.tls.TlsInfo;
import io.vertcd.server.tls.TlsOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code vertcd} command line: etcd 3.4's flag names, defaults and {@code ETCD_*} environment
 * variables (see {@link EtcdEnvironmentDefaults}). {@link #toConfig()} validates the values the
 * way etcd's embed/config.go does and refuses flags of features vertcd lacks
 * ({@link UnsupportedFlags}), naming the flag: {@code vertcd: --wal-dir is not supported yet}.
 */
@Command(name = "vertcd", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        versionProvider = ServerCommand.VersionProvider.class,
        description = "An etcd v3 compatible key-value store. Flags and ETCD_* environment variables as etcd 3.4.",
        showDefaultValues = true)
public final class ServerCommand {
    /** Longest election timeout etcd accepts, ms (embed/config.go maxElectionMs). */
    static final int MAX_ELECTION_MS = 50000;

    @Spec
    CommandSpec spec;

    @Mixin
    TlsFlags tls = new TlsFlags();

    @Option(names = "--name", defaultValue = "default", description = "Human-readable name for this member.")
    String name;

    @Option(names = "--data-dir", description = "Path to the data directory (default: '$${name}.etcd').", showDefaultValue = CommandLine.Help.Visibility.NEVER)
    String dataDir;

    @Option(names = "--snapshot-count", defaultValue = "100000", description = "Number of committed transactions to trigger a snapshot to disk.")
    long snapshotCount;

    @Option(names = "--experimental-snapshot-catchup-entries", defaultValue = "5000", description = "Number of entries for a slow follower to catch up after compacting the Raft storage entries.")
    long snapshotCatchUpEntries;

    @Option(names = "--heartbeat-interval", defaultValue = "100", description = "Time (in milliseconds) of a heartbeat interval.")
    int heartbeatIntervalMs;

    @Option(names = "--election-timeout", defaultValue = "1000", description = "Time (in milliseconds) for an election to timeout.")
    int electionTimeoutMs;

    @Option(names = "--listen-peer-urls", defaultValue = "http://localhost:2380", description = "List of URLs to listen on for peer traffic.")
    String listenPeerUrls;

    @Option(names = "--listen-client-urls", defaultValue = "http://localhost:2379", description = "List of URLs to listen on for client traffic.")
    String listenClientUrls;

    @Option(names = "--listen-metrics-urls", defaultValue = "", description = "List of URLs to listen on for the metrics and health endpoints.")
    String listenMetricsUrls;

    @Option(names = "--metrics", defaultValue = "basic", description = "Set level of detail for exported metrics, specify 'extensive' to include server side grpc histogram metrics.")
    String metrics;

    @Option(names = "--quota-backend-bytes", defaultValue = "0", description = "Raise alarms when backend size exceeds the given quota (0 defaults to low space quota).")
    long quotaBackendBytes;

    @Option(names = "--max-txn-ops", defaultValue = "128", description = "Maximum number of operations permitted in a transaction.")
    int maxTxnOps;

    @Option(names = "--auth-token", defaultValue = "simple", description = "Specify a v3 authentication token type and its options ('simple' or 'jwt').")
    String authToken;

    @Option(names = "--auth-token-ttl", defaultValue = "300", description = "Time (in seconds) of the auth-token-ttl.")
    long authTokenTtl;

    @Option(names = "--bcrypt-cost", defaultValue = "10", description = "Specify the cost / strength of the bcrypt algorithm for hashing auth passwords. Valid values are between 4 and 31.")
    int bcryptCost;

    @Option(names = "--max-request-bytes", defaultValue = "1572864", description = "Maximum client request size in bytes the server will accept.")
    int maxRequestBytes;

    @Option(names = "--initial-advertise-peer-urls", defaultValue = "http://localhost:2380", description = "List of this member's peer URLs to advertise to the rest of the cluster.")
    String initialAdvertisePeerUrls;

    @Option(names = "--initial-cluster", description = "Initial cluster configuration for bootstrapping (default: '$${name}=<initial-advertise-peer-urls>').", showDefaultValue = CommandLine.Help.Visibility.NEVER)
    String initialCluster;

    @Option(names = "--initial-cluster-state", defaultValue = "new", description = "Initial cluster state ('new' or 'existing').")
    String initialClusterState;

    @Option(names = "--initial-cluster-token", defaultValue = "etcd-cluster", description = "Initial cluster token for the etcd cluster during bootstrap.")
    String initialClusterToken;

    @Option(names = "--advertise-client-urls", defaultValue = "http://localhost:2379", description = "List of this member's client URLs to advertise to the public.")
    String advertiseClientUrls;

    @Option(names = "--experimental-watch-progress-notify-interval", defaultValue = "10m", description = "Duration of periodical watch progress notification.")
    String watchProgressNotifyInterval;

    @Option(names = "--experimental-enable-lease-checkpoint", defaultValue = "true", arity = "0..1", fallbackValue = "true",
            description = "Checkpoint leases' remaining TTL through Raft, so a restart or a new leader does not renew them in full (etcd's default is false; vertcd's is true).")
    boolean leaseCheckpoint;

    @Option(names = "--experimental-lease-checkpoint-interval", defaultValue = "5m",
            description = "Duration between two checkpoints of a lease's remaining TTL (etcd 3.5).")
    String leaseCheckpointInterval;

    @Option(names = "--experimental-initial-corrupt-check", defaultValue = "false", arity = "0..1", fallbackValue = "true",
            description = "Check data corruption before serving any client/peer traffic.")
    boolean initialCorruptCheck;

    @Option(names = "--experimental-corrupt-check-time", defaultValue = "0s",
            description = "Duration of time between cluster corruption check passes.")
    String corruptCheckTime;

    @Option(names = "--auto-compaction-retention", defaultValue = "0",
            description = "Auto compaction retention length. 0 means disable auto compaction.")
    String autoCompactionRetention;

    @Option(names = "--auto-compaction-mode", defaultValue = "periodic",
            description = "Interpret 'auto-compaction-retention' one of: periodic|revision. 'periodic' for duration based retention, defaulting to hours if no time unit is provided (e.g. '5m'). 'revision' for revision number based retention.")
    String autoCompactionMode;

    @Option(names = "--strict-reconfig-check", defaultValue = "true", arity = "0..1", fallbackValue = "true",
            description = "Reject reconfiguration requests that would cause quorum loss.")
    boolean strictReconfigCheck;

    @Option(names = "--logger", defaultValue = "capnslog", description = "'zap' for JSON lines shaped as etcd's, or 'capnslog' for text lines (etcd 3.4's default).")
    String logger;

    @Option(names = "--log-outputs", defaultValue = "default", description = "Where to write logs: 'default' or 'stderr', 'stdout', or file paths (several, comma-separated, with --logger=zap).")
    String logOutputs;

    @Option(names = "--log-level", defaultValue = "info", description = "Log level: debug, info, warn, error, panic, or fatal.")
    String logLevel;

    @Option(names = "--debug", defaultValue = "false", arity = "0..1", fallbackValue = "true", description = "Enable debug-level logging (same as --log-level=debug).")
    boolean debug;

    @Option(names = "--config-file", defaultValue = "",
            description = "Path to the server configuration file (etcd's YAML). Note that if a configuration file is provided, other command line flags and environment variables will be ignored.")
    String configFile;

    @Option(names = "--wal-dir", defaultValue = "", description = "Path to the dedicated wal directory (default: <data-dir>/member/wal).")
    String walDir;

    @Option(names = "--pre-vote", defaultValue = "true", arity = "0..1", fallbackValue = "true",
            description = "Run an additional Raft election phase (etcd 3.4's default is false; vertcd's is true).")
    boolean preVote;

    @Option(names = "--max-concurrent-streams", defaultValue = "4294967295",
            description = "Maximum concurrent streams that each client can open at a time (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS of the client port).")
    long maxConcurrentStreams;

    @Option(names = "--max-snapshots", defaultValue = "5", description = "Maximum number of snapshot files to retain (0 is unlimited); no effect on vertcd, which keeps one store checkpoint.")
    long maxSnapshots;

    @Option(names = "--max-wals", defaultValue = "5", description = "Maximum number of wal files to retain (0 is unlimited); no effect on vertcd, whose log is cut behind each checkpoint.")
    long maxWals;

    @Option(names = "--backend-batch-interval", defaultValue = "", description = "Maximum time before committing the backend transaction; no effect on vertcd (no batched backend transaction).")
    String backendBatchInterval;

    @Option(names = "--backend-batch-limit", defaultValue = "0", description = "Maximum operations before committing the backend transaction; no effect on vertcd (no batched backend transaction).")
    long backendBatchLimit;

    @Option(names = "--experimental-backend-bbolt-freelist-type", defaultValue = "array", description = "Freelist type of bbolt ('array' or 'map'); no effect on vertcd (no bbolt).")
    String backendFreelistType;

    @Option(names = "--web-console", defaultValue = "true", arity = "0..1", fallbackValue = "true",
            description = "Serve the web console at /ui/ on the client URLs (vertcd's own flag; etcd has no console).")
    boolean webConsole;

    @Option(names = "--log-package-levels", defaultValue = "", description = "With --logger=capnslog, levels per logger: 'io.vertcd.server.node=DEBUG,*=INFO' (Logback logger names; capnslog's level names).")
    String logPackageLevels;

    /**
     * Builds the command line with the etcd flags and {@code ETCD_*} variables from {@code environment}.
     *
     * @param environment the environment variables, normally {@link System#getenv()}
     * @return a picocli command line whose user object is a new {@link ServerCommand}
     */
    public static CommandLine commandLine(Map<String, String> environment) {
        CommandLine cl = new CommandLine(new ServerCommand());
        UnsupportedFlags.addTo(cl.getCommandSpec());
        cl.setDefaultValueProvider(new EtcdEnvironmentDefaults(environment));
        return cl;
    }

    /**
     * @return the Logback level name for {@code --log-level} / {@code --debug}
     * @throws ConfigException for a level etcd does not know
     */
    public String logbackLevel() throws ConfigException {
        if (debug) {
            return "DEBUG";
        }
        switch (logLevel.toLowerCase(Locale.ROOT)) {
            case "debug": return "DEBUG";
            case "info": return "INFO";
            case "warn": return "WARN";
            case "error": case "panic": case "fatal": return "ERROR";
            default: throw new ConfigException("vertcd: unknown --log-level '" + logLevel + "' (debug, info, warn, error, panic, fatal)");
        }
    }

    /** @return {@code --log-package-levels}, empty for none */
    public String logPackageLevels() {
        return logPackageLevels;
    }

    /**
     * @return the flags given that vertcd accepts for etcd compatibility but that change nothing here (the README
     *     says why for each): {@code --max-snapshots}, {@code --max-wals}, {@code --backend-batch-*},
     *     {@code --experimental-backend-bbolt-freelist-type}
     */
    public List<String> flagsWithoutEffect() {
        List<String> out = new ArrayList<>();
        for (String flag : List.of("--max-snapshots", "--max-wals", "--backend-batch-interval", "--backend-batch-limit",
                "--experimental-backend-bbolt-freelist-type")) {
            if (spec.commandLine().getParseResult().hasMatchedOption(flag)) {
                out.add(flag);
            }
        }
        return out;
    }

    /** @return {@code --logger}: zap or capnslog (validated by {@link #toConfig()}) */
    public String logger() {
        return logger;
    }

    /**
     * {@code --log-outputs} with etcd's rules (embed/config_logging.go): unique and sorted; with capnslog exactly one of
     * {@code default}, {@code stderr}, {@code stdout}; with zap {@code default} alone, or any of {@code stderr},
     * {@code stdout} and file paths.
     *
     * @return the outputs
     * @throws ConfigException with etcd's message for a combination etcd refuses, and for {@code systemd/journal}
     *     (vertcd does not write to journald)
     */
    public List<String> logOutputs() throws ConfigException {
        List<String> outputs = java.util.Arrays.stream(logOutputs.split(",")).map(String::trim)
                .filter(o -> !o.isEmpty()).distinct().sorted().toList();
        if (outputs.isEmpty()) {
            outputs = List.of("default");
        }
        if (outputs.contains("systemd/journal")) {
            throw new ConfigException("vertcd: --log-outputs=systemd/journal is not supported (vertcd does not write to journald; use stderr and let systemd collect it)");
        }
        if ("capnslog".equals(logger)) {
            if (outputs.size() != 1) {
                throw new ConfigException("vertcd: --logger=capnslog supports only 1 value in '--log-outputs', got " + goQuoted(outputs));
            }
            if (!Set.of("default", "stderr", "stdout").contains(outputs.get(0))) {
                throw new ConfigException("vertcd: unknown log-output \"" + outputs.get(0) + "\" (only supports \"default\", \"stderr\", \"stdout\")");
            }
        } else if (outputs.size() > 1 && outputs.contains("default")) {
            throw new ConfigException("vertcd: multi logoutput for \"default\" is not supported yet");
        }
        return outputs;
    }

    private static String goQuoted(List<String> values) {
        return values.stream().map(v -> "\"" + v + "\"").collect(java.util.stream.Collectors.joining(" ", "[", "]"));
    }

    /**
     * Validates the parsed flags and derives the member and cluster IDs.
     *
     * @return the configuration to start with
     * @throws ConfigException naming the offending flag: an unsupported feature
     *     ({@code vertcd: --wal-dir is not supported yet}),
     *     a malformed URL or an out-of-range number
     */
    public ServerConfig toConfig() throws ConfigException {
        String unsupported = UnsupportedFlags.firstSetFlag(spec);
        if (unsupported != null) {
            throw new ConfigException(RefusedFlags.refusal(unsupported));
        }
        logbackLevel();
        if (!Set.of("capnslog", "zap").contains(logger)) {
            throw new ConfigException("vertcd: --logger '" + logger + "' is not supported (capnslog or zap)");
        }
        logOutputs();
        if (name.isEmpty()) {
            throw new ConfigException("vertcd: --name must not be empty");
        }
        switch (initialClusterState) {
            case "new": break;
            case "existing": break;
            default: throw new ConfigException("vertcd: invalid --initial-cluster-state '" + initialClusterState + "' (new or existing)");
        }
        if (heartbeatIntervalMs <= 0) {
            throw new ConfigException("vertcd: --heartbeat-interval must be positive");
        }
        // etcd embed/config.go Validate: the same two rules and messages.
        if (5L * heartbeatIntervalMs > electionTimeoutMs) {
            throw new ConfigException("vertcd: --election-timeout[" + electionTimeoutMs + "ms] should be at least as 5 times as --heartbeat-interval[" + heartbeatIntervalMs + "ms]");
        }
        if (electionTimeoutMs > MAX_ELECTION_MS) {
            throw new ConfigException("vertcd: --election-timeout[" + electionTimeoutMs + "ms] is too long, and should be set less than " + MAX_ELECTION_MS + "ms");
        }
        if (snapshotCount <= 0) {
            throw new ConfigException("vertcd: --snapshot-count must be positive");
        }
        if (snapshotCatchUpEntries <= 0) {
            throw new ConfigException("vertcd: --experimental-snapshot-catchup-entries must be positive");
        }
        if (maxTxnOps <= 0) {
            throw new ConfigException("vertcd: --max-txn-ops must be positive");
        }
        if (maxRequestBytes <= 0) {
            throw new ConfigException("vertcd: --max-request-bytes must be positive");
        }
        long watchProgressMs = GoDurations.parseMs("--experimental-watch-progress-notify-interval", watchProgressNotifyInterval);
        if (watchProgressMs <= 0) {
            throw new ConfigException("vertcd: --experimental-watch-progress-notify-interval must be positive");
        }
        long leaseCheckpointMs = GoDurations.parseMs("--experimental-lease-checkpoint-interval", leaseCheckpointInterval);
        if (leaseCheckpointMs <= 0) {
            throw new ConfigException("vertcd: --experimental-lease-checkpoint-interval must be positive");
        }
        long corruptCheckMs = GoDurations.parseMs("--experimental-corrupt-check-time", corruptCheckTime);
        if (corruptCheckMs < 0) {
            throw new ConfigException("vertcd: --experimental-corrupt-check-time must not be negative");
        }
        long retention = MaintenanceOptions.parseRetention(autoCompactionMode, autoCompactionRetention);
        List<URI> clientListen = httpUrls("--listen-client-urls", listenClientUrls, true);
        List<URI> clientAdvertise = httpUrls("--advertise-client-urls", advertiseClientUrls, false);
        List<URI> peerListen = httpUrls("--listen-peer-urls", listenPeerUrls, true);
        // etcd embed/config.go: an empty --listen-metrics-urls means no metrics port; --metrics is not validated
        // (anything but "extensive" is basic).
        List<URI> metricsListen = listenMetricsUrls.isEmpty() ? List.of()
                : httpUrls("--listen-metrics-urls", listenMetricsUrls, true);
        List<URI> peerAdvertise = httpUrls("--initial-advertise-peer-urls", initialAdvertisePeerUrls, false);
        TlsInfo clientTls = tls.clientTls();
        TlsInfo peerTls = tls.peerTls();
        int selfSignedYears = tls.selfSignedCertValidityYears();
        for (URI u : clientListen) {
            // etcd embed configureClientListeners (auto TLS fills the pair before this check)
            if (TlsOptions.isTls(u) && clientTls.empty() && !clientTls.autoTls()) {
                throw new ConfigException("vertcd: TLS key/cert (--cert-file, --key-file) must be provided for client url "
                        + u + " with HTTPS scheme");
            }
        }
        for (URI u : metricsListen) {
            if (TlsOptions.isTls(u) && clientTls.empty() && !clientTls.autoTls()) {
                throw new ConfigException("vertcd: cannot listen on TLS for " + u.getAuthority()
                        + ": KeyFile and CertFile are not presented");
            }
        }
        for (URI u : peerListen) {
            // etcd pkg/transport newTLSListener
            if (TlsOptions.isTls(u) && peerTls.empty() && !peerTls.autoTls()) {
                throw new ConfigException("vertcd: cannot listen on TLS for " + u.getAuthority()
                        + ": KeyFile and CertFile are not presented");
            }
        }

        String cluster = initialCluster != null ? initialCluster : defaultInitialCluster();
        Map<String, List<String>> members = parseInitialCluster(cluster);
        List<String> ownPeerUrls = members.get(name);
        if (ownPeerUrls == null) {
            throw new ConfigException("vertcd: couldn't find local name \"" + name + "\" in the initial cluster configuration");
        }
        List<String> advertised = peerAdvertise.stream().map(URI::toString).sorted().toList();
        if (!ownPeerUrls.stream().sorted().toList().equals(advertised)) {
            throw new ConfigException("vertcd: --initial-cluster has " + name + "=" + String.join(",", ownPeerUrls)
                    + " but missing from --initial-advertise-peer-urls=" + initialAdvertisePeerUrls);
        }
        List<ClusterMember> initial = initialMembers(members, initialClusterToken);
        long memberId = MemberIds.memberId(ownPeerUrls, initialClusterToken);
        long clusterId = MemberIds.clusterId(initial.stream().map(ClusterMember::id).toList());
        long quota = quotaBackendBytes == 0 ? Quota.DEFAULT_QUOTA_BYTES
                : quotaBackendBytes < 0 ? Long.MAX_VALUE : quotaBackendBytes;
        Path dir = Path.of(dataDir != null && !dataDir.isEmpty() ? dataDir : name + ".etcd");
        if (!backendBatchInterval.isEmpty()) {
            GoDurations.parseMs("--backend-batch-interval", backendBatchInterval);
        }
        Path dedicatedWal = walDir.isEmpty() ? null : Path.of(walDir);
        if (dedicatedWal != null && dedicatedWal.toAbsolutePath().normalize().equals(dir.resolve("member").resolve("wal").toAbsolutePath().normalize())) {
            dedicatedWal = null;
        }
        return new ServerConfig(name, dir, clientListen, clientAdvertise, peerListen, peerAdvertise,
                initialClusterToken, memberId, clusterId, maxTxnOps, maxRequestBytes, quota, snapshotCount,
                heartbeatIntervalMs, electionTimeoutMs, watchProgressMs,
                leaseCheckpoint ? leaseCheckpointMs : LessorOptions.CHECKPOINTS_OFF, initial, snapshotCatchUpEntries,
                "existing".equals(initialClusterState), strictReconfigCheck, metricsListen,
                "extensive".equals(metrics), clientTls, peerTls, selfSignedYears,
                AuthOptions.parse(authToken, authTokenTtl, bcryptCost),
                new MaintenanceOptions(initialCorruptCheck, corruptCheckMs, "periodic".equals(autoCompactionMode),
                        retention),
                preVote, maxConcurrentStreams, dedicatedWal, webConsole);
    }

    /**
     * The members of {@code --initial-cluster} with their IDs, sorted by ID as unsigned numbers, refusing
     * a peer URL given to two members as etcd does (membership.NewClusterFromURLsMap, ValidateClusterAndAssignIDs).
     */
    static List<ClusterMember> initialMembers(Map<String, List<String>> members, String token) throws ConfigException {
        List<ClusterMember> out = new ArrayList<>();
        Map<String, String> urlOwner = new LinkedHashMap<>();
        Map<Long, String> idOwner = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : members.entrySet()) {
            List<URI> urls = new ArrayList<>();
            for (String url : e.getValue()) {
                String other = urlOwner.putIfAbsent(url, e.getKey());
                if (other != null) {
                    throw new ConfigException("vertcd: --initial-cluster has duplicate url " + url + " (members "
                            + other + " and " + e.getKey() + ")");
                }
                urls.add(URI.create(url));
            }
            long id = MemberIds.memberId(e.getValue(), token);
            String twin = idOwner.putIfAbsent(id, e.getKey());
            if (twin != null) {
                throw new ConfigException("vertcd: --initial-cluster members " + twin + " and " + e.getKey()
                        + " have the same member ID " + MemberIds.toHex(id));
            }
            out.add(new ClusterMember(e.getKey(), id, urls));
        }
        out.sort((a, b) -> Long.compareUnsigned(a.id(), b.id()));
        return List.copyOf(out);
    }

    /** etcd InitialClusterFromName: {@code name=url} for every advertised peer URL. */
    private String defaultInitialCluster() {
        List<String> parts = new ArrayList<>();
        for (String url : initialAdvertisePeerUrls.split(",")) {
            parts.add(name + "=" + url.trim());
        }
        return String.join(",", parts);
    }

    /** Parses {@code name=url,name=url}: a name may repeat with further URLs (etcd types.NewURLsMap). */
    static Map<String, List<String>> parseInitialCluster(String value) throws ConfigException {
        Map<String, List<String>> members = new LinkedHashMap<>();
        for (String part : value.split(",")) {
            String item = part.trim();
            int eq = item.indexOf('=');
            if (eq <= 0 || eq == item.length() - 1) {
                throw new ConfigException("vertcd: invalid --initial-cluster entry '" + item + "' (want name=url)");
            }
            String url = item.substring(eq + 1);
            checkUrl("--initial-cluster", url, false);
            members.computeIfAbsent(item.substring(0, eq), k -> new ArrayList<>()).add(url);
        }
        return members;
    }

    private static List<URI> httpUrls(String flag, String value, boolean listen) throws ConfigException {
        List<URI> urls = new ArrayList<>();
        for (String part : value.split(",")) {
            urls.add(checkUrl(flag, part.trim(), listen));
        }
        return List.copyOf(urls);
    }

    private static URI checkUrl(String flag, String url, boolean listen) throws ConfigException {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new ConfigException("vertcd: invalid URL '" + url + "' in " + flag);
        }
        if ("unix".equals(uri.getScheme()) || "unixs".equals(uri.getScheme())) {
            throw new ConfigException("vertcd: " + flag + " with unix sockets is not supported yet");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new ConfigException("vertcd: URL scheme must be http or https in " + flag + ": '" + url + "'");
        }
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw new ConfigException("vertcd: URL address does not have the form \"host:port\" in " + flag + ": '" + url + "'");
        }
        if (listen && uri.getPath() != null && !uri.getPath().isEmpty()) {
            throw new ConfigException("vertcd: listen URL must not have a path in " + flag + ": '" + url + "'");
        }
        return uri;
    }

    /** Prints vertcd's version and the etcd API version it serves. */
    public static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "vertcd Version: " + Versions.VERTCD_VERSION,
                "etcd API Version: " + Versions.ETCD_SERVER_VERSION,
                "Java Version: " + System.getProperty("java.version")
            };
        }
    }
}
