package io.vertcd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The member command line of {@code k8s/kubeadm/etcd.yaml} (kubeadm's own flags for etcd: client and peer
 * mutual TLS, {@code --experimental-initial-corrupt-check}, a plain-HTTP metrics URL for the probes), run
 * exactly as written. Only what a control-plane node has and this machine has not is changed: the node's
 * address becomes 127.0.0.1 and each address:port a free port, and the certificate and data paths point
 * into a temporary folder holding certificates made here in kubeadm's file names. The member must
 * answer the probes' {@code /readyz} and serve etcdctl with kube-apiserver's kind of client certificate.
 */
class KubeadmCommandLineTest {
    private static final Path MANIFEST = Path.of(System.getProperty("user.dir"), "..", "k8s", "kubeadm", "etcd.yaml")
            .normalize();
    private static final Pattern ARG = Pattern.compile("^\\s+- (--[a-z0-9-]+=.*)$");
    private static final Pattern ADDRESS = Pattern.compile("(\\d+\\.\\d+\\.\\d+\\.\\d+):(\\d+)");

    @Test
    void kubeadmsEtcdCommandLineServes() throws Exception {
        MemberKind subject = Binaries.requireSubject();
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("user.dir"), "target"), "kubeadm-");
        Path pki = Files.createDirectories(dir.resolve("pki"));
        TestPki ca = TestPki.create(pki, "etcd");
        Files.copy(ca.caFile(), pki.resolve("ca.crt"), StandardCopyOption.REPLACE_EXISTING);
        for (String name : List.of("server", "peer")) {
            TestPki.Leaf leaf = ca.leaf(name + "-made", "control-plane-1", "127.0.0.1", "localhost");
            Files.copy(leaf.cert(), pki.resolve(name + ".crt"));
            Files.copy(leaf.key(), pki.resolve(name + ".key"));
        }
        TestPki.Leaf apiserver = ca.leaf("apiserver-etcd-client", "kube-apiserver-etcd-client");

        Map<String, Integer> ports = new LinkedHashMap<>();
        List<String> flags = new ArrayList<>();
        for (String arg : commandLine()) {
            Matcher m = ADDRESS.matcher(arg.replace("/etc/kubernetes/pki/etcd/", pki + "/")
                    .replace("=/var/lib/etcd", "=" + dir.resolve("data")));
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(sb, "127.0.0.1:" + ports.computeIfAbsent(m.group(), a -> Ports.next()));
            }
            m.appendTail(sb);
            flags.add(sb.toString());
        }
        int client = ports.get("127.0.0.1:2379");
        int metrics = ports.get("127.0.0.1:2381");

        Process member = new ProcessBuilder(subject.command(flags)).redirectErrorStream(true)
                .redirectOutput(dir.resolve("member.log").toFile()).start();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            // The manifest's probes ask /readyz (etcd 3.6's, which vertcd serves); etcd 3.4 has only /health.
            String probe = subject == MemberKind.ETCD ? "/health" : "/readyz";
            HttpRequest readyz = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metrics + probe))
                    .timeout(Duration.ofSeconds(5)).build();
            int status = Poll.until(Duration.ofSeconds(90), () -> {
                if (!member.isAlive()) {
                    return -2;
                }
                try {
                    return http.send(readyz, HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (java.io.IOException notYet) {
                    return -1;
                }
            }, s -> s == 200 || s == -2);
            assertEquals(200, status, probe + " on the metrics port; log " + dir.resolve("member.log") + ":\n"
                    + tail(dir.resolve("member.log")));

            Etcdctl etcdctl = new Etcdctl("https://127.0.0.1:" + client, List.of("--cacert=" + ca.caFile(),
                    "--cert=" + apiserver.cert(), "--key=" + apiserver.key()));
            assertTrue(etcdctl.run("put", "/registry/namespaces/default", "ns").ok());
            Etcdctl.Result get = etcdctl.run("get", "/registry/namespaces/default", "--print-value-only");
            assertEquals("ns", get.stdout().strip(), get.toString());
            Etcdctl.Result noCert = new Etcdctl("https://127.0.0.1:" + client, List.of("--cacert=" + ca.caFile()))
                    .run("get", "/registry/namespaces/default");
            assertTrue(!noCert.ok(), "--client-cert-auth=true refuses a client without a certificate: " + noCert);
        } finally {
            member.destroy();
            if (!member.waitFor(20, TimeUnit.SECONDS)) {
                member.destroyForcibly();
            }
        }
    }

    /** @return the flags after {@code - etcd} in the manifest's command, in order */
    private static List<String> commandLine() throws Exception {
        List<String> flags = new ArrayList<>();
        boolean inCommand = false;
        for (String line : Files.readAllLines(MANIFEST)) {
            if (line.strip().equals("- etcd")) {
                inCommand = true;
                continue;
            }
            Matcher m = ARG.matcher(line);
            if (inCommand && m.matches()) {
                flags.add(m.group(1));
            } else if (inCommand) {
                break;
            }
        }
        assertEquals(19, flags.size(), "kubeadm's 19 flags in " + MANIFEST + ": " + flags);
        return flags;
    }

    private static String tail(Path log) throws java.io.IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}
