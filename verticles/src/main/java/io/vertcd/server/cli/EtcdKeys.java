package io.vertcd.server.cli;

import static io.vertcd.server.cli.GoType.BOOL;
import static io.vertcd.server.cli.GoType.DURATION;
import static io.vertcd.server.cli.GoType.INT;
import static io.vertcd.server.cli.GoType.INT64;
import static io.vertcd.server.cli.GoType.STRING;
import static io.vertcd.server.cli.GoType.STRINGS;
import static io.vertcd.server.cli.GoType.UINT;
import static io.vertcd.server.cli.GoType.UINT32;
import static io.vertcd.server.cli.GoType.UINT64;

import java.util.Map;
import java.util.Set;

/**
 * etcd 3.4's configuration-file keys and the Go types of their values: the {@code json} tags of
 * embed/config.go {@code Config}, {@code configJSON} and {@code securityConfig}, and of etcdmain/config.go
 * {@code configProxy}. A key names the flag of the same name, except inside the two TLS blocks
 * ({@link #flagForNested}). The same types tell how a command-line value of the flag parses.
 */
public final class EtcdKeys {
    /** The block of client TLS settings; its keys are the flags' names ({@code cert-file} = {@code --cert-file}). */
    public static final String CLIENT_SECURITY = "client-transport-security";
    /** The block of peer TLS settings; its keys are the flags' names without {@code peer-} ({@code cert-file} = {@code --peer-cert-file}). */
    public static final String PEER_SECURITY = "peer-transport-security";

    /** Top-level keys and their Go types. */
    public static final Map<String, GoType> TOP_LEVEL = Map.ofEntries(
            Map.entry("name", STRING), Map.entry("data-dir", STRING), Map.entry("wal-dir", STRING),
            Map.entry("snapshot-count", UINT64), Map.entry("max-snapshots", UINT), Map.entry("max-wals", UINT),
            Map.entry("heartbeat-interval", UINT), Map.entry("election-timeout", UINT),
            Map.entry("initial-election-tick-advance", BOOL), Map.entry("backend-batch-interval", DURATION),
            Map.entry("backend-batch-limit", INT), Map.entry("quota-backend-bytes", INT64),
            Map.entry("max-txn-ops", UINT), Map.entry("max-request-bytes", UINT),
            Map.entry("max-concurrent-streams", UINT32), Map.entry("cipher-suites", STRINGS),
            Map.entry("initial-cluster-state", STRING), Map.entry("discovery-srv", STRING),
            Map.entry("discovery-srv-name", STRING), Map.entry("discovery-proxy", STRING),
            Map.entry("discovery", STRING), Map.entry("initial-cluster", STRING),
            Map.entry("initial-cluster-token", STRING), Map.entry("strict-reconfig-check", BOOL),
            Map.entry("enable-v2", BOOL), Map.entry("auto-compaction-mode", STRING),
            Map.entry("auto-compaction-retention", STRING), Map.entry("grpc-keepalive-min-time", DURATION),
            Map.entry("grpc-keepalive-interval", DURATION), Map.entry("grpc-keepalive-timeout", DURATION),
            Map.entry("pre-vote", BOOL), Map.entry("auth-token", STRING), Map.entry("bcrypt-cost", UINT),
            Map.entry("auth-token-ttl", UINT), Map.entry("experimental-initial-corrupt-check", BOOL),
            Map.entry("experimental-corrupt-check-time", DURATION), Map.entry("experimental-enable-v2v3", STRING),
            Map.entry("experimental-backend-bbolt-freelist-type", STRING),
            Map.entry("experimental-enable-lease-checkpoint", BOOL),
            Map.entry("experimental-enable-lease-checkpoint-persist", BOOL),
            Map.entry("experimental-compaction-batch-limit", INT),
            Map.entry("experimental-watch-progress-notify-interval", DURATION),
            Map.entry("experimental-warning-apply-duration", DURATION), Map.entry("force-new-cluster", BOOL),
            Map.entry("enable-pprof", BOOL), Map.entry("metrics", STRING), Map.entry("listen-metrics-urls", STRING),
            Map.entry("logger", STRING), Map.entry("log-level", STRING), Map.entry("log-outputs", STRINGS),
            Map.entry("enable-grpc-gateway", BOOL), Map.entry("log-output", STRINGS), Map.entry("debug", BOOL),
            Map.entry("log-package-levels", STRING), Map.entry("unsafe-no-fsync", BOOL),
            Map.entry("listen-peer-urls", STRING), Map.entry("listen-client-urls", STRING),
            Map.entry("initial-advertise-peer-urls", STRING), Map.entry("advertise-client-urls", STRING),
            Map.entry("cors", STRING), Map.entry("host-whitelist", STRING),
            // etcdmain configProxy
            Map.entry("proxy-failure-wait", UINT), Map.entry("proxy-refresh-interval", UINT),
            Map.entry("proxy-dial-timeout", UINT), Map.entry("proxy-write-timeout", UINT),
            Map.entry("proxy-read-timeout", UINT), Map.entry("proxy", STRING), Map.entry("discovery-fallback", STRING),
            // etcd 3.5 keys of flags vertcd has (3.4 ignores them)
            Map.entry("experimental-lease-checkpoint-interval", DURATION),
            Map.entry("experimental-snapshot-catchup-entries", UINT64),
            // vertcd's own key (etcd has no web console)
            Map.entry("web-console", BOOL));

    /** Keys of each TLS block (embed/config.go securityConfig) and their Go types. */
    public static final Map<String, GoType> SECURITY = Map.of(
            "cert-file", STRING, "key-file", STRING, "client-cert-auth", BOOL, "trusted-ca-file", STRING, "auto-tls", BOOL);

    /**
     * Keys read from etcdmain's {@code configProxy} rather than embed's {@code Config}: a YAML scalar of another kind
     * is turned into text there ({@code proxy: off} reads as {@code "false"}), not refused.
     */
    public static final Set<String> PROXY_TEXT = Set.of("proxy", "discovery-fallback");

    private EtcdKeys() {
    }

    /**
     * @param block {@link #CLIENT_SECURITY} or {@link #PEER_SECURITY}
     * @param key a key of {@link #SECURITY}
     * @return the flag's name without dashes: {@code cert-file} or {@code peer-cert-file}
     */
    public static String flagForNested(String block, String key) {
        return PEER_SECURITY.equals(block) ? "peer-" + key : key;
    }

    /**
     * @param flag a flag name without dashes
     * @param optionType the Java type of vertcd's option for it
     * @return the Go type etcd gives the flag: from {@link #TOP_LEVEL} or the security keys, otherwise from the
     *     Java type (boolean, integer, text)
     */
    public static GoType typeOfFlag(String flag, Class<?> optionType) {
        GoType t = TOP_LEVEL.get(flag);
        if (t == STRINGS) {
            return STRING; // a comma-separated flag
        }
        if (t != null) {
            return t;
        }
        String bare = flag.startsWith("peer-") ? flag.substring(5) : flag;
        t = SECURITY.get(bare);
        if (t != null) {
            return t;
        }
        if (optionType == boolean.class || optionType == Boolean.class) {
            return BOOL;
        }
        if (optionType == int.class || optionType == long.class || optionType == Integer.class || optionType == Long.class) {
            return INT64;
        }
        return STRING;
    }
}
