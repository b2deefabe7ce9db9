package io.vertcd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Real Python clients, unchanged, against a fresh member of etcd 3.4 and then of the subject on the same ports
 * (same member and cluster IDs): the scenario scripts under {@code src/test/python} print one line per step, and the
 * two outputs must be equal. {@code python3-etcd3gw} speaks etcd's JSON gateway (KV, txn, leases with keep-alive,
 * watch, locks); {@code python3-etcd3} speaks gRPC (KV, txn, compaction, leases, watch). Both are Debian packages
 * ({@code .ci/run} installs them); they need the system interpreter, {@code /usr/bin/python3}.
 */
class PythonClientsTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Path SCRIPTS = Path.of(System.getProperty("user.dir"), "src", "test", "python");

    @Test
    void etcd3gwAsAgainstEtcd() throws Exception {
        List<String> etcd = compare("etcd3gw_scenario.py", "pyg", "/v3/");
        assertTrue(etcd.contains("watch events [('PUT', b'w1', b'a'), ('PUT', b'w1', b'b'), ('DELETE', b'w1', None)]"),
                String.join("\n", etcd));
        assertTrue(etcd.contains("second lock acquire False"), String.join("\n", etcd));
    }

    @Test
    void etcd3gwOnV3betaPaths() throws Exception {
        List<String> etcd = compare("etcd3gw_scenario.py", "pygb", "/v3beta/");
        assertTrue(etcd.contains("lease keys [b'lk', b'lk2']"), String.join("\n", etcd));
    }

    @Test
    void etcd3GrpcAsAgainstEtcd() throws Exception {
        List<String> etcd = compare("etcd3_scenario.py", "pyc");
        assertTrue(etcd.contains("watch events [('PutEvent', b'w', b'a', 0), ('PutEvent', b'w', b'b', 1), "
                + "('DeleteEvent', b'w', b'', 2)]"), String.join("\n", etcd));
    }

    /** @return etcd's output, after checking the subject's is the same */
    private static List<String> compare(String script, String name, String... args) throws Exception {
        Binaries.requireEtcd();
        MemberKind subject = Binaries.requireSubject();
        assumeTrue(Files.isExecutable(PYTHON), "needs " + PYTHON);
        int clientPort = Ports.next();
        int peerPort = Ports.next();
        List<String> etcd = run(MemberKind.ETCD, script, name, clientPort, peerPort, args);
        List<String> actual = run(subject, script, name, clientPort, peerPort, args);
        for (int i = 0; i < Math.min(etcd.size(), actual.size()); i++) {
            assertEquals(etcd.get(i), actual.get(i), "line " + i);
        }
        assertEquals(etcd.size(), actual.size());
        for (String line : etcd) {
            assertFalse(line.contains(" raised "), "etcd: " + line);
        }
        return etcd;
    }

    private static List<String> run(MemberKind kind, String script, String name, int clientPort, int peerPort,
            String... args) throws Exception {
        try (MemberProcess m = MemberProcess.create(kind, name, name + "-token", clientPort, peerPort).start()) {
            List<String> command = new ArrayList<>(List.of(PYTHON.toString(), SCRIPTS.resolve(script).toString(),
                    "127.0.0.1", String.valueOf(clientPort)));
            command.addAll(List.of(args));
            Path out = Files.createTempFile(name + "-" + kind.name().toLowerCase(), ".out");
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            try {
                assertTrue(p.waitFor(180, TimeUnit.SECONDS), kind + ": " + script + " did not finish");
            } finally {
                p.destroyForcibly();
            }
            List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
            System.out.println(script + " against " + kind + ":\n" + String.join("\n", lines));
            assertEquals(0, p.exitValue(), kind + ": " + String.join("\n", lines));
            Files.deleteIfExists(out);
            return lines;
        } catch (IOException e) {
            throw new IOException(kind + ": " + e.getMessage(), e);
        }
    }
}
