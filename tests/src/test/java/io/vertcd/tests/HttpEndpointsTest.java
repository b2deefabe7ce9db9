package io.vertcd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The HTTP endpoints of the client port and of {@code --listen-metrics-urls}, side by side with etcd 3.4 started with
 * the same flags: /health and /version shapes and codes, /health's 503 on a member without a leader, /livez and
 * /readyz (etcd 3.6, so vertcd only), and the /metrics name sets: every name of {@link #REQUIRED} on both with the
 * same type. The etcd names vertcd lacks are printed: the documented difference.
 */
class HttpEndpointsTest {
    /** The metric names vertcd promises, with etcd 3.4's types. */
    static final Map<String, String> REQUIRED = Map.ofEntries(
            Map.entry("etcd_server_has_leader", "gauge"),
            Map.entry("etcd_server_is_leader", "gauge"),
            Map.entry("etcd_server_leader_changes_seen_total", "counter"),
            Map.entry("etcd_server_proposals_committed_total", "gauge"),
            Map.entry("etcd_server_proposals_applied_total", "gauge"),
            Map.entry("etcd_server_proposals_pending", "gauge"),
            Map.entry("etcd_server_proposals_failed_total", "counter"),
            Map.entry("etcd_server_id", "gauge"),
            Map.entry("etcd_server_version", "gauge"),
            Map.entry("etcd_server_quota_backend_bytes", "gauge"),
            Map.entry("etcd_mvcc_db_total_size_in_bytes", "gauge"),
            Map.entry("etcd_mvcc_db_total_size_in_use_in_bytes", "gauge"),
            Map.entry("etcd_debugging_mvcc_current_revision", "gauge"),
            Map.entry("etcd_debugging_mvcc_compact_revision", "gauge"),
            Map.entry("etcd_debugging_mvcc_keys_total", "gauge"),
            Map.entry("etcd_debugging_mvcc_watcher_total", "gauge"),
            Map.entry("etcd_disk_wal_fsync_duration_seconds", "histogram"),
            Map.entry("grpc_server_started_total", "counter"),
            Map.entry("grpc_server_handled_total", "counter"),
            Map.entry("process_cpu_seconds_total", "counter"),
            Map.entry("process_open_fds", "gauge"),
            Map.entry("process_resident_memory_bytes", "gauge"),
            Map.entry("process_start_time_seconds", "gauge"));

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** What one member answered. */
    private record Answers(int health, String healthBody, int version, String versionBody, int metricsHealth,
            Map<String, String> metricTypes, Map<String, String> clientPortMetricTypes, String fsyncBuckets) {
    }

    @Test
    void endpointsAndMetricNamesAsEtcd() throws Exception {
        Binaries.requireEtcd();
        MemberKind subject = Binaries.requireSubject();
        Answers etcd = run(MemberKind.ETCD, null);
        List<String> vertcdOnly = new ArrayList<>();
        Answers vertcd = run(subject, vertcdOnly);

        assertEquals(200, etcd.health());
        assertEquals(etcd.health(), vertcd.health());
        assertTrue(etcd.healthBody().startsWith("{\"health\":\"true\""), etcd.healthBody());
        assertEquals("{\"health\":\"true\",\"reason\":\"\"}", vertcd.healthBody()); // etcd 3.5's shape
        assertEquals(etcd.version(), vertcd.version());
        assertTrue(vertcd.versionBody().matches("\\{\"etcdserver\":\"3\\.\\d+\\.\\d+\",\"etcdcluster\":\"3\\.\\d+\\.0\"}"),
                vertcd.versionBody());
        assertTrue(etcd.versionBody().matches("\\{\"etcdserver\":\"3\\.\\d+\\.\\d+\",\"etcdcluster\":\"3\\.\\d+\\.0\"}"),
                etcd.versionBody());
        assertEquals(etcd.metricsHealth(), vertcd.metricsHealth());
        assertEquals(etcd.fsyncBuckets(), vertcd.fsyncBuckets(), "etcd_disk_wal_fsync_duration_seconds buckets");
        assertEquals(List.of("ok\n", "[+]data_corruption ok\n[+]serializable_read ok\n[+]linearizable_read ok\n"
                + "[+]non_learner ok\nok\n", "ok\n", "405"), vertcdOnly);

        for (Map.Entry<String, String> e : REQUIRED.entrySet()) {
            assertEquals(e.getValue(), etcd.metricTypes().get(e.getKey()), "etcd: " + e.getKey());
            assertEquals(e.getValue(), vertcd.metricTypes().get(e.getKey()), "vertcd: " + e.getKey());
            assertEquals(e.getValue(), vertcd.clientPortMetricTypes().get(e.getKey()), "vertcd client port: " + e.getKey());
        }
        TreeSet<String> lacking = new TreeSet<>(etcd.metricTypes().keySet());
        lacking.removeAll(vertcd.metricTypes().keySet());
        System.out.println("etcd 3.4 metric names vertcd lacks (" + lacking.size() + "): " + lacking);
    }

    private static Answers run(MemberKind kind, List<String> vertcdOnly) throws Exception {
        int metricsPort = Ports.next();
        String metricsUrl = "http://127.0.0.1:" + metricsPort;
        try (MemberProcess m = MemberProcess.create(kind, "httpep", "--listen-metrics-urls=" + metricsUrl).start()) {
            assertTrue(m.etcdctl().run("put", "k", "v").ok());
            HttpResponse<String> health = get(m.clientUrl() + "/health");
            HttpResponse<String> version = get(m.clientUrl() + "/version");
            HttpResponse<String> metricsHealth = get(metricsUrl + "/health");
            String metrics = get(metricsUrl + "/metrics").body();
            String clientMetrics = get(m.clientUrl() + "/metrics").body();
            if (vertcdOnly != null) {
                vertcdOnly.add(get(m.clientUrl() + "/livez").body());
                vertcdOnly.add(get(metricsUrl + "/readyz?verbose").body());
                vertcdOnly.add(get(m.clientUrl() + "/readyz/linearizable_read").body());
                vertcdOnly.add(String.valueOf(HTTP.send(HttpRequest.newBuilder(URI.create(m.clientUrl() + "/health"))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode()));
            }
            return new Answers(health.statusCode(), health.body().trim(), version.statusCode(), version.body(),
                    metricsHealth.statusCode(), types(metrics), types(clientMetrics), fsyncBuckets(metrics));
        }
    }

    @Test
    void healthIs503WithoutALeader() throws Exception {
        Binaries.requireEtcd();
        MemberKind subject = Binaries.requireSubject();
        HttpResponse<String> etcd = alone(MemberKind.ETCD, null);
        List<String> vertcdOnly = new ArrayList<>();
        HttpResponse<String> vertcd = alone(subject, vertcdOnly);
        assertEquals(503, etcd.statusCode());
        assertTrue(etcd.body().startsWith("{\"health\":\"false\""), etcd.body());
        assertEquals(503, vertcd.statusCode());
        assertEquals("{\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}\n", vertcd.body());
        assertEquals(List.of("200 {\"health\":\"true\",\"reason\":\"\"}", "200 ok\n", "200 ok\n"), vertcdOnly);
    }

    /**
     * Starts one member of a three-member cluster on its own (no quorum, no leader) and asks /health on its metrics
     * port: etcd 3.4, and vertcd, serve the client port only once the member has published itself through Raft
     * (ReadyNotify), the metrics port at once.
     */
    private static HttpResponse<String> alone(MemberKind kind, List<String> vertcdOnly) throws Exception {
        int client = Ports.next();
        int[] peers = {Ports.next(), Ports.next(), Ports.next()};
        String clientUrl = "http://127.0.0.1:" + client;
        String metricsUrl = "http://127.0.0.1:" + Ports.next();
        Path root = Path.of(System.getProperty("user.dir"), "target", "e2e-data");
        Files.createDirectories(root);
        Path dir = Files.createTempDirectory(root, "noleader-" + kind.name().toLowerCase() + "-");
        Files.delete(dir);
        List<String> flags = List.of("--name=a", "--data-dir=" + dir, "--listen-client-urls=" + clientUrl,
                "--advertise-client-urls=" + clientUrl, "--listen-peer-urls=http://127.0.0.1:" + peers[0],
                "--initial-advertise-peer-urls=http://127.0.0.1:" + peers[0],
                "--initial-cluster=a=http://127.0.0.1:" + peers[0] + ",b=http://127.0.0.1:" + peers[1]
                        + ",c=http://127.0.0.1:" + peers[2],
                "--initial-cluster-token=noleader", "--listen-metrics-urls=" + metricsUrl);
        Path log = root.resolve(dir.getFileName() + ".log");
        ProcessBuilder pb = new ProcessBuilder(kind.command(flags)).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("ETCD_"));
        Process p = pb.start();
        LiveProcesses.add(p);
        try {
            HttpResponse<String> health = Poll.until(MemberProcess.READY_TIMEOUT, () -> {
                try {
                    return get(metricsUrl + "/health");
                } catch (IOException e) {
                    return null;
                }
            }, r -> r != null);
            if (vertcdOnly != null) {
                HttpResponse<String> serializable = get(metricsUrl + "/health?serializable=true");
                vertcdOnly.add(serializable.statusCode() + " " + serializable.body());
                HttpResponse<String> livez = get(metricsUrl + "/livez");
                vertcdOnly.add(livez.statusCode() + " " + livez.body());
                HttpResponse<String> readyz = get(metricsUrl + "/readyz?exclude=linearizable_read");
                vertcdOnly.add(readyz.statusCode() + " " + readyz.body());
            }
            return health;
        } finally {
            p.destroyForcibly();
            LiveProcesses.waitGone(p, MemberProcess.STOP_TIMEOUT);
            MemberProcess.deleteRecursively(dir);
        }
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** @return metric family name to type, from the {@code # TYPE} lines */
    static Map<String, String> types(String exposition) {
        Map<String, String> out = new TreeMap<>();
        for (String line : exposition.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] f = line.split(" ");
                out.put(f[2], f[3]);
            }
        }
        return out;
    }

    /** @return the {@code le} bounds of the WAL fsync histogram, as numbers in one string */
    static String fsyncBuckets(String exposition) {
        List<String> out = new ArrayList<>();
        for (String line : exposition.split("\n")) {
            if (line.startsWith("etcd_disk_wal_fsync_duration_seconds_bucket{")) {
                String le = line.replaceAll(".*le=\"([^\"]*)\".*", "$1");
                out.add(le.equals("+Inf") ? le : String.valueOf(Double.parseDouble(le)));
            }
        }
        return out.toString();
    }
}
