package io.vertcd.tests.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertcd.tests.Binaries;
import io.vertcd.tests.Etcdctl;
import io.vertcd.tests.MemberKind;
import io.vertcd.tests.Poll;
import io.vertcd.tests.TestPki;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Three vertcd members talking over peer mutual TLS (real processes): they elect a leader and replicate; a client of
 * the peer port with a certificate of another CA is refused at the handshake, one of the right CA whose CN is not
 * {@code --peer-cert-allowed-cn} is refused after it, each refusal is logged ({@code rejected connection}) with its
 * reason, and the cluster stays healthy. A cluster with {@code --peer-auto-tls} works too (peers do not verify each
 * other's self-signed certificates, as etcd's).
 */
class PeerTlsClusterTest {
    private static final String PROBE = "/vertcd/peer/probe";

    @Test
    void threeMembersOverPeerMutualTls() throws Exception {
        MemberKind subject = Binaries.requireSubject();
        Files.createDirectories(Path.of(System.getProperty("user.dir"), "target", "tls-pki"));
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("user.dir"), "target", "tls-pki"), "peer-");
        TestPki ca = TestPki.create(dir, "peers");
        TestPki other = TestPki.create(dir, "other");
        TestPki.Leaf peer = ca.leaf("peer", "etcd-peer", "127.0.0.1", "localhost");
        TestPki.Leaf stranger = other.leaf("stranger", "etcd-peer", "127.0.0.1");
        TestPki.Leaf wrongCn = ca.leaf("intruder", "intruder", "127.0.0.1");
        try (ClusterProcess c = ClusterProcess.start(subject, 3, "peer-tls", "--peer-cert-file=" + peer.cert(),
                "--peer-key-file=" + peer.key(), "--peer-client-cert-auth", "--peer-trusted-ca-file=" + ca.caFile(),
                "--peer-cert-allowed-cn=etcd-peer")) {
            int leader = c.awaitLeader(Duration.ofSeconds(60));
            assertTrue(leader >= 0);
            ClusterProcess.Member m1 = c.members().get(0);
            ClusterProcess.Member m3 = c.members().get(2);
            assertTrue(m1.peerUrl().startsWith("https://"), m1.peerUrl());
            Etcdctl.Result put = new Etcdctl(m1.clientUrl()).run("put", "over-tls", "replicated");
            assertTrue(put.ok(), put.toString());
            Etcdctl ctl3 = new Etcdctl(m3.clientUrl());
            String seen = Poll.until(Duration.ofSeconds(30),
                    () -> ctl3.run("get", "over-tls", "--consistency=s", "--print-value-only").stdout(),
                    out -> out.equals("replicated\n"));
            assertEquals("replicated\n", seen);

            int port = m3.peerPort();
            URI probe = URI.create("https://127.0.0.1:" + port + PROBE);
            HttpClient good = HttpClient.newBuilder().sslContext(TestPki.clientContext(peer, ca.caFile()))
                    .connectTimeout(Duration.ofSeconds(5)).build();
            assertEquals(200, good.send(HttpRequest.newBuilder(probe).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode(), "a peer certificate of the peer CA is served");

            HttpClient wrongCa = HttpClient.newBuilder().sslContext(TestPki.clientContext(stranger, ca.caFile()))
                    .connectTimeout(Duration.ofSeconds(5)).build();
            assertThrows(IOException.class, () -> wrongCa.send(HttpRequest.newBuilder(probe)
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
            Poll.until(Duration.ofSeconds(10), () -> log(m3), l -> l.contains("rejected connection"));

            HttpClient intruder = HttpClient.newBuilder().sslContext(TestPki.clientContext(wrongCn, ca.caFile()))
                    .connectTimeout(Duration.ofSeconds(5)).build();
            assertThrows(IOException.class, () -> intruder.send(HttpRequest.newBuilder(probe)
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
            String logged = Poll.until(Duration.ofSeconds(10), () -> log(m3),
                    l -> l.contains("client certificate authentication failed") && l.contains("intruder"));
            assertTrue(logged.contains("rejected connection from"));

            HttpClient cleartext = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertThrows(IOException.class, () -> cleartext.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + PROBE)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()));

            Etcdctl all = new Etcdctl(c.clientUrls());
            Etcdctl.Result health = all.run("endpoint", "health");
            assertTrue(health.ok(), health.toString());
            assertTrue(new Etcdctl(m3.clientUrl()).run("put", "after", "refusals").ok());
            assertEquals("refusals\n", new Etcdctl(m1.clientUrl()).run("get", "after", "--print-value-only").stdout());
        }
    }

    @Test
    void threeMembersOverPeerAutoTls() throws Exception {
        MemberKind subject = Binaries.requireSubject();
        try (ClusterProcess c = ClusterProcess.start(subject, 3, "peer-auto-tls", "--peer-auto-tls")) {
            c.awaitLeader(Duration.ofSeconds(60));
            ClusterProcess.Member m1 = c.members().get(0);
            assertTrue(m1.peerUrl().startsWith("https://"), m1.peerUrl());
            assertTrue(new Etcdctl(m1.clientUrl()).run("put", "auto", "tls").ok());
            Etcdctl ctl3 = new Etcdctl(c.members().get(2).clientUrl());
            assertEquals("tls\n", Poll.until(Duration.ofSeconds(30),
                    () -> ctl3.run("get", "auto", "--consistency=s", "--print-value-only").stdout(),
                    out -> out.equals("tls\n")));
        }
    }

    private static String log(ClusterProcess.Member m) throws IOException {
        return Files.readString(m.logFile(), StandardCharsets.UTF_8);
    }
}
