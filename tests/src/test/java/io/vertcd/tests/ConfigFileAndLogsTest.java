package io.vertcd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * etcd 3.4 and vertcd started one after the other with the same {@code --config-file} (and, on the command line,
 * other values that the file must override): the same member (name, IDs, URLs), the file's {@code max-txn-ops}, and
 * with the file's {@code logger: zap} JSON log lines that parse, with etcd's level/ts/caller/msg and the lines tools
 * wait for carrying the same fields and values.
 */
class ConfigFileAndLogsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The zap messages etcd 3.4 logs that tools and etcd's own e2e harness wait for. */
    static final List<String> AWAITED = List.of(
            "loaded server configuration, other configuration command line flags and environment variables will be ignored if provided",
            "starting an etcd server",
            "published local member to cluster through raft",
            "enabled capabilities for version",
            "serving client traffic insecurely; this is strongly discouraged!");

    @BeforeAll
    static void binaries() {
        Binaries.requireEtcd();
    }

    private record Run(String memberList, String txnRefusal, List<JsonNode> log) {
    }

    @Test
    void sameConfigFileSameMemberAndEtcdShapedLogs() throws Exception {
        int client = Ports.next();
        int peer = Ports.next();
        Run etcd = run(MemberKind.ETCD, client, peer);
        Run vertcd = run(MemberKind.VERTCD, client, peer);

        assertEquals(etcd.memberList(), vertcd.memberList(), "member list -w json (IDs, name, URLs) from the file");
        assertTrue(etcd.txnRefusal().contains("too many operations in txn request"), etcd.txnRefusal());
        assertEquals(etcd.txnRefusal(), vertcd.txnRefusal(), "the file's max-txn-ops: 2");

        for (List<JsonNode> log : List.of(etcd.log(), vertcd.log())) {
            for (JsonNode line : log) {
                for (String field : List.of("level", "ts", "caller", "msg")) {
                    assertTrue(line.hasNonNull(field), field + " in " + line);
                }
                assertTrue(List.of("debug", "info", "warn", "error").contains(line.get("level").asText()), line.toString());
                assertTrue(line.get("ts").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), line.toString());
                assertTrue(line.get("caller").asText().matches("[\\w./-]+:\\d+"), line.toString());
            }
        }
        for (String msg : AWAITED) {
            JsonNode e = first(etcd.log(), msg);
            JsonNode v = first(vertcd.log(), msg);
            assertTrue(e != null, "etcd logs: " + msg);
            assertTrue(v != null, "vertcd logs: " + msg + "\n" + vertcd.log());
            assertEquals(e.get("level"), v.get("level"), msg);
        }
        // the same values where both have the same facts
        for (String field : List.of("local-member-id", "cluster-id", "local-member-attributes", "request-path")) {
            assertEquals(first(etcd.log(), AWAITED.get(2)).get(field), first(vertcd.log(), AWAITED.get(2)).get(field), field);
        }
        assertEquals(first(etcd.log(), AWAITED.get(4)).get("address"), first(vertcd.log(), AWAITED.get(4)).get("address"));
        for (String field : List.of("name", "data-dir", "heartbeat-interval", "election-timeout", "snapshot-count",
                "initial-advertise-peer-urls", "listen-client-urls", "initial-cluster-token")) {
            JsonNode e = first(etcd.log(), AWAITED.get(1)).get(field);
            JsonNode v = first(vertcd.log(), AWAITED.get(1)).get(field);
            if (field.equals("data-dir")) {
                assertTrue(e.isTextual() && v.isTextual(), field);
            } else {
                assertEquals(e, v, field);
            }
        }
        String elected = "raft.node: [0-9a-f]+ elected leader [0-9a-f]+ at term \\d+";
        assertTrue(etcd.log().stream().anyMatch(l -> l.get("msg").asText().matches(elected)), "etcd: " + elected);
        assertTrue(vertcd.log().stream().anyMatch(l -> l.get("msg").asText().matches(elected)), "vertcd: " + elected);
    }

    private static JsonNode first(List<JsonNode> log, String msg) {
        return log.stream().filter(l -> msg.equals(l.path("msg").asText())).findFirst().orElse(null);
    }

    private static Run run(MemberKind kind, int client, int peer) throws Exception {
        // the command line says one thing (MemberProcess's flags: name "cmdline", token "cmdline-token"), the file another
        MemberProcess m = MemberProcess.create(kind, "cmdline", "cmdline-token", client, peer);
        Path conf = m.dataDir().resolveSibling(m.dataDir().getFileName() + ".yml");
        Map<String, Object> keys = new LinkedHashMap<>();
        keys.put("name", "'fromfile'");
        keys.put("data-dir", m.dataDir().toString());
        keys.put("snapshot-count", "10000");
        keys.put("heartbeat-interval", "100");
        keys.put("election-timeout", "1000");
        keys.put("max-txn-ops", "2");
        keys.put("listen-peer-urls", m.peerUrl());
        keys.put("listen-client-urls", m.clientUrl());
        keys.put("initial-advertise-peer-urls", m.peerUrl());
        keys.put("advertise-client-urls", m.clientUrl());
        keys.put("initial-cluster", "fromfile=" + m.peerUrl());
        keys.put("initial-cluster-token", "'file-token'");
        keys.put("initial-cluster-state", "'new'");
        keys.put("strict-reconfig-check", "true");
        keys.put("logger", "zap");
        keys.put("log-outputs", "[stderr]");
        keys.put("bogus-key-etcd-ignores", "1");
        StringBuilder yaml = new StringBuilder();
        keys.forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
        yaml.append("client-transport-security:\n  cert-file:\n  client-cert-auth: false\n  auto-tls: false\n");
        yaml.append("peer-transport-security:\n  key-file:\n  client-cert-auth: false\n  auto-tls: false\n");
        Files.writeString(conf, yaml);
        m = MemberProcess.create(kind, "cmdline", "cmdline-token", client, peer, "--config-file=" + conf,
                "--max-txn-ops=128");
        // the data dir in the file is the first MemberProcess's; the second one's stays unused
        try (MemberProcess member = m.start()) {
            String list = member.etcdctl().run("member", "list", "-w", "json").stdout()
                    .replaceAll("\"revision\":\\d+,", "").replaceAll("\"raft_term\":\\d+", "");
            Etcdctl.Result txn = member.etcdctl().runWithInput("\nput a 1\nput b 2\nput c 3\n\nput d 4\n\n", "txn", "-i");
            Path logFile = member.logFile();
            List<JsonNode> log = Poll.until(Duration.ofSeconds(30), () -> parse(logFile),
                    l -> l.stream().anyMatch(n -> AWAITED.get(4).equals(n.path("msg").asText())));
            String err = txn.stderr().trim();
            return new Run(list, err.substring(err.lastIndexOf('\n') + 1), log); // etcdctl's own log line first
        }
    }

    /** Every line of the log must be one JSON object. */
    private static List<JsonNode> parse(Path logFile) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(logFile)) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }
}
