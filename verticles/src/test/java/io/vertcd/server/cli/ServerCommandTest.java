package io.vertcd.server.cli;

import io.vertcd.server.tls.TlsInfo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ServerCommandTest {

    private static ServerConfig parse(Map<String, String> env, String... args) throws ConfigException {
        try {
            return EtcdCommandLine.parse(List.of(args), env).command().toConfig();
        } catch (FlagSyntaxException e) {
            throw new AssertionError(e);
        }
    }

    private static String refusal(Map<String, String> env, String... args) {
        return assertThrows(ConfigException.class, () -> parse(env, args)).getMessage();
    }

    @Test
    void defaultsAreEtcds() throws Exception {
        ServerConfig c = parse(Map.of());
        assertEquals("default", c.name());
        assertEquals(Path.of("default.etcd"), c.dataDir());
        assertEquals(List.of(URI.create("http://localhost:2379")), c.listenClientUrls());
        assertEquals(List.of(URI.create("http://localhost:2379")), c.advertiseClientUrls());
        assertEquals(List.of(URI.create("http://localhost:2380")), c.listenPeerUrls());
        assertEquals(List.of(URI.create("http://localhost:2380")), c.advertisePeerUrls());
        assertEquals("etcd-cluster", c.clusterToken());
        assertEquals(128, c.maxTxnOps());
        assertEquals(1572864, c.maxRequestBytes());
        assertEquals(2L * 1024 * 1024 * 1024, c.quotaBackendBytes());
        assertEquals(100000, c.snapshotCount());
        assertEquals(100, c.heartbeatIntervalMs());
        assertEquals(1000, c.electionTimeoutMs());
        assertEquals(10, c.electionTicks());
        assertEquals(7000, c.requestTimeoutMs());
        // etcd's well-known IDs of a default member
        assertEquals("8e9e05c52164694d", MemberIds.toHex(c.memberId()));
        assertEquals("cdf818194e3a8c32", MemberIds.toHex(c.clusterId()));
    }

    @Test
    void leaseCheckpointFlags() throws Exception {
        assertEquals(300_000, parse(Map.of()).lessorOptions().checkpointIntervalMs(), "etcd's 5-minute default interval");
        assertTrue(parse(Map.of()).lessorOptions().checkpointsEnabled(), "vertcd checkpoints by default");
        assertEquals(1500, parse(Map.of(), "--experimental-lease-checkpoint-interval=1.5s").leaseCheckpointIntervalMs());
        assertTrue(parse(Map.of(), "--experimental-enable-lease-checkpoint").lessorOptions().checkpointsEnabled());
        assertEquals(false, parse(Map.of(), "--experimental-enable-lease-checkpoint=false").lessorOptions().checkpointsEnabled());
        assertEquals(false, parse(Map.of("ETCD_EXPERIMENTAL_ENABLE_LEASE_CHECKPOINT", "false"))
                .lessorOptions().checkpointsEnabled());
        assertEquals(2, parse(Map.of()).lessorOptions().minTtlSeconds());
        assertEquals("vertcd: --experimental-lease-checkpoint-interval must be positive",
                refusal(Map.of(), "--experimental-lease-checkpoint-interval=0s"));
    }

    @Test
    void strictReconfigCheckFlag() throws Exception {
        assertTrue(parse(Map.of()).strictReconfigCheck(), "etcd's default is true");
        assertTrue(parse(Map.of(), "--strict-reconfig-check").strictReconfigCheck());
        assertEquals(false, parse(Map.of(), "--strict-reconfig-check=false").strictReconfigCheck());
        assertEquals(false, parse(Map.of("ETCD_STRICT_RECONFIG_CHECK", "false")).strictReconfigCheck());
        assertTrue(refusal(Map.of("ETCD_STRICT_RECONFIG_CHECK", "false"), "--strict-reconfig-check=true")
                .contains("conflicting environment variable \"ETCD_STRICT_RECONFIG_CHECK\""), "etcd 3.4 refuses a flag shadowing its variable");
    }

    @Test
    void dataDirAndInitialClusterFollowTheName() throws Exception {
        ServerConfig c = parse(Map.of(), "--name", "infra0", "--initial-advertise-peer-urls", "http://10.0.0.1:2380");
        assertEquals(Path.of("infra0.etcd"), c.dataDir());
        assertEquals(MemberIds.memberId(List.of("http://10.0.0.1:2380"), "etcd-cluster"), c.memberId());
    }

    @Test
    void environmentVariablesSetFlagsAndFlagsWin() throws Exception {
        Map<String, String> env = Map.of("ETCD_NAME", "envname", "ETCD_MAX_TXN_OPS", "7",
                "ETCD_LISTEN_CLIENT_URLS", "http://127.0.0.1:23790", "ETCD_DATA_DIR", "/tmp/x",
                "ETCD_QUOTA_BACKEND_BYTES", "-1");
        ServerConfig fromEnv = parse(env);
        assertEquals("envname", fromEnv.name());
        assertEquals(7, fromEnv.maxTxnOps());
        assertEquals(List.of(URI.create("http://127.0.0.1:23790")), fromEnv.listenClientUrls());
        assertEquals(Path.of("/tmp/x"), fromEnv.dataDir());
        assertEquals(Long.MAX_VALUE, fromEnv.quotaBackendBytes(), "a negative quota disables it, as etcd");

        ServerConfig both = parse(Map.of("ETCD_NAME", "envname"), "--max-txn-ops=9");
        assertEquals(9, both.maxTxnOps());
        assertEquals("envname", both.name());
        // etcd 3.4 (pkg/flags verifyEnv) exits when a variable is shadowed by its flag
        assertEquals("vertcd: conflicting environment variable \"ETCD_MAX_TXN_OPS\" is shadowed by corresponding "
                + "command-line flag (either unset environment variable or disable flag)", refusal(env, "--max-txn-ops=9"));
        assertEquals("ETCD_LISTEN_CLIENT_URLS", EtcdEnvironmentDefaults.variableFor("--listen-client-urls"));
    }

    @Test
    void unsupportedFeaturesAreRefusedByName() {
        assertEquals("vertcd: --enable-v2 is not supported: vertcd serves only etcd's v3 API (the v2 API is deprecated "
                + "in etcd 3.4 and removed in 3.6)", refusal(Map.of(), "--enable-v2=true"));
        assertEquals("vertcd: --experimental-compaction-batch-limit is not supported yet",
                refusal(Map.of(), "--experimental-compaction-batch-limit", "100"));
    }

    @Test
    void tlsFlagsAndTheirVariables() throws Exception {
        ServerConfig plain = parse(Map.of());
        assertEquals(TlsInfo.NONE, plain.clientTls());
        assertEquals(TlsInfo.NONE, plain.peerTls());
        assertEquals(1, plain.selfSignedCertValidityYears());

        ServerConfig tls = parse(Map.of("ETCD_PEER_KEY_FILE", "/p.key", "ETCD_PEER_CLIENT_CERT_AUTH", "true"),
                "--listen-client-urls", "https://127.0.0.1:2379,http://127.0.0.1:22379",
                "--advertise-client-urls", "https://127.0.0.1:2379",
                "--cert-file", "/c.pem", "--key-file", "/c.key", "--client-cert-auth", "--trusted-ca-file", "/ca.pem",
                "--client-crl-file", "/crl.pem", "--peer-cert-file", "/p.pem", "--peer-cert-allowed-cn", "etcd",
                "--cipher-suites", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                "--self-signed-cert-validity", "3");
        assertEquals(List.of(URI.create("https://127.0.0.1:2379"), URI.create("http://127.0.0.1:22379")),
                tls.listenClientUrls());
        TlsInfo client = tls.clientTls();
        assertEquals("/c.pem", client.certFile());
        assertEquals("/c.key", client.keyFile());
        assertEquals("/ca.pem", client.trustedCaFile());
        assertEquals("/crl.pem", client.crlFile());
        assertTrue(client.clientCertAuth());
        assertEquals(List.of("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
                client.cipherSuites());
        TlsInfo peer = tls.peerTls();
        assertEquals("/p.pem", peer.certFile());
        assertEquals("/p.key", peer.keyFile());
        assertTrue(peer.clientCertAuth());
        assertEquals("etcd", peer.allowedCn());
        assertEquals(3, tls.selfSignedCertValidityYears());
        assertEquals(Path.of("default.etcd/fixtures/peer"), tls.peerFixturesDir());

        ServerConfig auto = parse(Map.of(), "--auto-tls", "--peer-auto-tls", "--listen-client-urls", "https://127.0.0.1:2379",
                "--listen-peer-urls", "https://127.0.0.1:2380");
        assertTrue(auto.clientTls().autoTls());
        assertTrue(auto.peerTls().autoTls());
        assertTrue(auto.clientTls().empty(), "auto TLS makes its pair at start, on a worker thread");
    }

    @Test
    void tlsMisconfigurationIsRefusedAsEtcdDoes() {
        assertEquals("vertcd: unexpected TLS cipher suite \"TLS_NOPE\"",
                refusal(Map.of(), "--cipher-suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_NOPE"));
        assertEquals("vertcd: TLS key/cert (--cert-file, --key-file) must be provided for client url "
                + "https://127.0.0.1:2379 with HTTPS scheme", refusal(Map.of(), "--listen-client-urls", "https://127.0.0.1:2379"));
        assertEquals("vertcd: cannot listen on TLS for 127.0.0.1:2380: KeyFile and CertFile are not presented",
                refusal(Map.of(), "--listen-peer-urls", "https://127.0.0.1:2380"));
        assertEquals("vertcd: KeyFile and CertFile must both be present[key: , cert: /c.pem]",
                refusal(Map.of(), "--cert-file", "/c.pem"));
        assertEquals("vertcd: AllowedCN and AllowedHostname are mutually exclusive (cn=\"a\", hostname=\"b\")",
                refusal(Map.of(), "--peer-cert-allowed-cn", "a", "--peer-cert-allowed-hostname", "b"));
        assertEquals("vertcd: selfSignedCertValidity is invalid,it should be greater than 0",
                refusal(Map.of(), "--self-signed-cert-validity", "0"));
        assertTrue(refusal(Map.of(), "--listen-client-urls", "unixs://x:1").contains("not supported yet"));
    }

    @Test
    void corruptCheckAndAutoCompactionFlagsAsEtcdParsesThem() throws Exception {
        MaintenanceOptions none = parse(Map.of()).maintenance();
        assertEquals(MaintenanceOptions.DEFAULTS, none);
        MaintenanceOptions checks = parse(Map.of("ETCD_EXPERIMENTAL_CORRUPT_CHECK_TIME", "90s"),
                "--experimental-initial-corrupt-check").maintenance();
        assertTrue(checks.initialCorruptCheck());
        assertEquals(90_000, checks.corruptCheckIntervalMs());
        // periodic: a whole number is hours, anything else a Go duration
        assertEquals(3 * 3_600_000L, parse(Map.of(), "--auto-compaction-retention", "3").maintenance().autoCompactionRetention());
        MaintenanceOptions minutes = parse(Map.of(), "--auto-compaction-retention", "5m").maintenance();
        assertTrue(minutes.periodicCompaction());
        assertEquals(300_000, minutes.autoCompactionRetention());
        MaintenanceOptions revisions = parse(Map.of("ETCD_AUTO_COMPACTION_MODE", "revision"),
                "--auto-compaction-retention", "1000").maintenance();
        assertEquals(false, revisions.periodicCompaction());
        assertEquals(1000, revisions.autoCompactionRetention());
        assertEquals("vertcd: unknown auto-compaction-mode \"hourly\"",
                refusal(Map.of(), "--auto-compaction-mode", "hourly", "--auto-compaction-retention", "1"));
        assertTrue(refusal(Map.of(), "--auto-compaction-retention", "1x").startsWith("vertcd: error parsing CompactionRetention"));
    }

    @Test
    void metricsFlagsAndTheirVariables() throws Exception {
        ServerConfig none = parse(Map.of());
        assertEquals(List.of(), none.listenMetricsUrls());
        assertEquals(false, none.extensiveMetrics());
        ServerConfig flags = parse(Map.of(), "--listen-metrics-urls", "http://127.0.0.1:2381,http://127.0.0.1:2382",
                "--metrics", "extensive");
        assertEquals(List.of(URI.create("http://127.0.0.1:2381"), URI.create("http://127.0.0.1:2382")),
                flags.listenMetricsUrls());
        assertTrue(flags.extensiveMetrics());
        ServerConfig env = parse(Map.of("ETCD_LISTEN_METRICS_URLS", "http://127.0.0.1:2381", "ETCD_METRICS", "extensive"));
        assertEquals(List.of(URI.create("http://127.0.0.1:2381")), env.listenMetricsUrls());
        assertTrue(env.extensiveMetrics());
        assertEquals(false, parse(Map.of(), "--metrics", "whatever").extensiveMetrics()); // etcd does not validate it
        assertTrue(refusal(Map.of(), "--listen-metrics-urls", "127.0.0.1:2381").contains("--listen-metrics-urls"));
    }

    @Test
    void flagsAtTheirEtcdDefaultAreAccepted() throws Exception {
        parse(Map.of(), "--client-cert-auth=false", "--enable-v2=false", "--max-wals", "5", "--logger", "zap",
                "--initial-cluster-state", "new");
    }

    @Test
    void inconsistentValuesAreRefusedWithEtcdsMessages() {
        assertEquals("vertcd: --election-timeout[400ms] should be at least as 5 times as --heartbeat-interval[100ms]",
                refusal(Map.of(), "--election-timeout", "400"));
        assertEquals("vertcd: couldn't find local name \"x\" in the initial cluster configuration",
                refusal(Map.of(), "--name", "x", "--initial-cluster", "default=http://localhost:2380"));
        assertTrue(refusal(Map.of(), "--initial-cluster", "default=http://other:2380")
                .contains("missing from --initial-advertise-peer-urls"));
    }

    @Test
    void threeMemberClusterHasEtcdsIds() throws Exception {
        // IDs printed by etcd 3.4.x started with these flags ("added member ... to cluster 1d149d5c6a17746a")
        String cluster = "a=http://127.0.0.1:28911,b=http://127.0.0.1:28912,c=http://127.0.0.1:28913";
        ServerConfig c = parse(Map.of(), "--name", "b", "--initial-advertise-peer-urls", "http://127.0.0.1:28912",
                "--initial-cluster", cluster, "--initial-cluster-token", "tok3");
        assertEquals("9791d4aea1d30340", MemberIds.toHex(c.memberId()));
        assertEquals("1d149d5c6a17746a", MemberIds.toHex(c.clusterId()));
        assertEquals(List.of("9791d4aea1d30340", "c619b7c4a5649bb9", "e6977920deb5c33b"),
                c.initialCluster().stream().map(m -> MemberIds.toHex(m.id())).toList());
        assertEquals(List.of("b", "c", "a"), c.initialCluster().stream().map(ClusterMember::name).toList());
        assertEquals(List.of("c", "a"), c.initialPeers().stream().map(ClusterMember::name).toList());
    }

    @Test
    void existingClusterStateMeansJoining() throws Exception {
        assertTrue(parse(Map.of(), "--initial-cluster-state", "existing").joinExisting());
        assertTrue(!parse(Map.of()).joinExisting());
        assertTrue(refusal(Map.of(), "--initial-cluster-state", "old").contains("invalid --initial-cluster-state"));
    }

    @Test
    void initialClusterWithADuplicateUrlIsRefused() {
        assertTrue(refusal(Map.of(), "--initial-cluster", "default=http://localhost:2380,b=http://localhost:2380")
                .contains("duplicate url http://localhost:2380"));
    }

    @Test
    void unknownFlagsAreErrors() {
        CommandLine cl = ServerCommand.commandLine(Map.of());
        assertThrows(CommandLine.UnmatchedArgumentException.class, () -> cl.parseArgs("--no-such-flag", "1"));
    }

    @Test
    void helpListsSupportedAndUnsupportedFlags() {
        CommandLine cl = ServerCommand.commandLine(Map.of());
        StringWriter out = new StringWriter();
        cl.usage(new PrintWriter(out));
        String help = out.toString();
        for (String flag : List.of("--name", "--data-dir", "--listen-client-urls", "--max-request-bytes",
                "--cert-file", "--auto-compaction-mode", "--version", "--help")) {
            assertTrue(help.contains(flag), flag);
        }
        assertTrue(help.contains("not supported yet"));
    }

    @Test
    void logOutputsFollowEtcdsRules() throws Exception {
        assertEquals(List.of("default"), EtcdCommandLine.parse(List.of(), Map.of()).command().logOutputs());
        assertEquals(List.of("/tmp/a.log", "stderr", "stdout"), EtcdCommandLine.parse(
                List.of("--logger=zap", "--log-outputs=stdout,stderr,/tmp/a.log,stdout"), Map.of()).command().logOutputs());
        assertEquals("vertcd: --logger=capnslog supports only 1 value in '--log-outputs', got [\"stderr\" \"stdout\"]",
                refusal(Map.of(), "--log-outputs=stdout,stderr"));
        assertEquals("vertcd: unknown log-output \"/tmp/a.log\" (only supports \"default\", \"stderr\", \"stdout\")",
                refusal(Map.of(), "--log-outputs=/tmp/a.log"));
        assertEquals("vertcd: multi logoutput for \"default\" is not supported yet",
                refusal(Map.of(), "--logger=zap", "--log-outputs=default,stderr"));
        assertTrue(refusal(Map.of(), "--logger=zap", "--log-outputs=systemd/journal").contains("journald"));
    }

    @Test
    void webConsoleFlag() throws Exception {
        assertTrue(parse(Map.of()).webConsole(), "the console is on by default");
        assertEquals(false, parse(Map.of(), "--web-console=false").webConsole());
        assertEquals(false, parse(Map.of("ETCD_WEB_CONSOLE", "false")).webConsole());
        assertTrue(parse(Map.of(), "--web-console").webConsole());
        assertEquals(false, parse(Map.of(), "--web-console=false").withTls(
                parse(Map.of()).clientTls(), parse(Map.of()).peerTls()).webConsole(), "withTls keeps it");
    }

    @Test
    void walDirPreVoteAndStreams() throws Exception {
        ServerConfig d = parse(Map.of());
        assertEquals(Path.of("default.etcd", "member", "wal"), d.walDir());
        assertTrue(d.preVote(), "vertcd pre-votes by default");
        assertEquals(4294967295L, d.maxConcurrentStreams(), "etcd's math.MaxUint32");
        ServerConfig c = parse(Map.of(), "--wal-dir", "/var/wal", "--pre-vote=false", "--max-concurrent-streams", "100");
        assertEquals(Path.of("/var/wal"), c.walDir());
        assertEquals(false, c.preVote());
        assertEquals(100, c.maxConcurrentStreams());
        assertTrue(assertThrows(FlagSyntaxException.class, () -> EtcdCommandLine.parse(
                List.of("--max-concurrent-streams", "4294967296"), Map.of())).getMessage()
                .startsWith("invalid value \"4294967296\" for flag -max-concurrent-streams"), "a uint32");
    }

    @Test
    void flagsWithoutEffectAreAcceptedAndNamed() throws Exception {
        EtcdCommandLine.Result r = EtcdCommandLine.parse(List.of("--max-wals=0", "--max-snapshots", "3",
                "--backend-batch-interval=10ms", "--backend-batch-limit=100", "--experimental-backend-bbolt-freelist-type=map"), Map.of());
        r.command().toConfig();
        assertEquals(List.of("--max-snapshots", "--max-wals", "--backend-batch-interval", "--backend-batch-limit",
                "--experimental-backend-bbolt-freelist-type"), r.command().flagsWithoutEffect());
        assertEquals(List.of(), EtcdCommandLine.parse(List.of(), Map.of()).command().flagsWithoutEffect());
    }

    @Test
    void v2PprofAndSubcommandsAreRefusedWithTheirReason() throws Exception {
        assertEquals("vertcd: --proxy is not supported: the v2 proxy mode belongs to etcd's v2 API; vertcd serves only "
                + "etcd's v3 API (the v2 API is deprecated in etcd 3.4 and removed in 3.6)", refusal(Map.of(), "--proxy=on"));
        assertTrue(refusal(Map.of(), "--discovery=https://discovery.etcd.io/x").contains("--initial-cluster"));
        assertTrue(refusal(Map.of(), "--experimental-enable-v2v3=/v2/").contains("v2 API"));
        assertTrue(refusal(Map.of(), "--enable-pprof").contains("JDK Flight Recorder"));
        // the defaults are accepted
        assertEquals("default", assertDoesNotThrowParse("--enable-v2=false", "--proxy=off", "--discovery-fallback=proxy",
                "--enable-pprof=false", "--proxy-dial-timeout=1000").name());
        assertEquals("vertcd: the 'gateway' subcommand is not supported yet: vertcd runs only as an etcd member (use "
                + "etcd's own 'etcd gateway' in front of vertcd members)", refusal(Map.of(), "gateway", "start"));
        assertTrue(refusal(Map.of(), "grpc-proxy", "start").contains("'grpc-proxy' subcommand is not supported yet"));
    }

    private static ServerConfig assertDoesNotThrowParse(String... args) throws ConfigException {
        return parse(Map.of(), args);
    }
}
