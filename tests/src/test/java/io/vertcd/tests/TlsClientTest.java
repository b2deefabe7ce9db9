package io.vertcd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.grpc.netty.GrpcSslContexts;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * TLS on the client port, side by side with etcd 3.4 started with the same flags: {@code --cert-file},
 * {@code --key-file}, {@code --client-cert-auth}, {@code --trusted-ca-file}, {@code --client-crl-file} on an https
 * client URL; stock etcdctl with {@code --cacert/--cert/--key}; clients without a certificate, with one from another
 * CA, an expired one and a revoked one are refused at the handshake and the member stays healthy. jetcd over TLS with
 * a client certificate. {@code --auto-tls}: a self-signed certificate in {@code <data-dir>/fixtures/client} of
 * etcd's shape, used with {@code etcdctl --insecure-skip-tls-verify}. Certificates are made in the test (BouncyCastle).
 */
class TlsClientTest {
    private static final Path PKI_ROOT = Path.of(System.getProperty("user.dir"), "target", "tls-pki");

    private static Path freshDir(String name) throws IOException {
        Files.createDirectories(PKI_ROOT);
        return Files.createTempDirectory(PKI_ROOT, name + "-");
    }

    @Test
    void clientCertificatesSideBySideWithEtcd() throws Exception {
        Binaries.requireEtcd();
        MemberKind subject = Binaries.requireSubject();
        Path dir = freshDir("client");
        TestPki ca = TestPki.create(dir, "clients");
        TestPki other = TestPki.create(dir, "other");
        TestPki.Leaf server = ca.leaf("server", "server", "127.0.0.1", "localhost");
        TestPki.Leaf good = ca.leaf("client1", "client1");
        TestPki.Leaf stranger = other.leaf("stranger", "client1");
        Instant now = Instant.now();
        TestPki.Leaf expired = ca.leaf("expired", "client1", now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1)));
        TestPki.Leaf revoked = ca.leaf("revoked", "client1");
        Path crl = ca.revoke(revoked);

        Map<MemberKind, List<String>> transcripts = new LinkedHashMap<>();
        for (MemberKind kind : List.of(MemberKind.ETCD, subject)) {
            try (MemberProcess m = MemberProcess.create(kind, "tls-client",
                            "--cert-file=" + server.cert(), "--key-file=" + server.key(), "--client-cert-auth",
                            "--trusted-ca-file=" + ca.caFile(), "--client-crl-file=" + crl)
                    .tls(true, false, "--cacert=" + ca.caFile(), "--cert=" + good.cert(), "--key=" + good.key())
                    .start()) {
                List<String> transcript = new ArrayList<>();
                Etcdctl ctl = m.etcdctl();
                Etcdctl.Result put = ctl.run("put", "foo", "bar");
                assertTrue(put.ok(), kind + ": " + put);
                transcript.add(put.stdout());
                Etcdctl.Result get = ctl.run("get", "foo");
                assertTrue(get.ok(), kind + ": " + get);
                transcript.add(get.stdout());

                Map<String, List<String>> refused = new LinkedHashMap<>();
                refused.put("no client certificate", List.of("--cacert=" + ca.caFile()));
                refused.put("certificate of another CA", List.of("--cacert=" + ca.caFile(),
                        "--cert=" + stranger.cert(), "--key=" + stranger.key()));
                refused.put("expired certificate", List.of("--cacert=" + ca.caFile(),
                        "--cert=" + expired.cert(), "--key=" + expired.key()));
                refused.put("revoked certificate", List.of("--cacert=" + ca.caFile(),
                        "--cert=" + revoked.cert(), "--key=" + revoked.key()));
                for (Map.Entry<String, List<String>> e : refused.entrySet()) {
                    List<String> flags = new ArrayList<>(e.getValue());
                    flags.add("--dial-timeout=2s");
                    flags.add("--command-timeout=3s");
                    Etcdctl.Result r = new Etcdctl(m.clientUrl(), flags).run("get", "foo");
                    assertFalse(r.ok(), kind + " served a client with " + e.getKey() + ": " + r);
                    assertFalse(r.stdout().contains("bar"), kind + ": " + r);
                    transcript.add(e.getKey() + ": refused");
                }
                Etcdctl.Result plain = new Etcdctl("http://" + m.grpcTarget(), List.of("--dial-timeout=2s",
                        "--command-timeout=3s")).run("get", "foo");
                assertFalse(plain.ok(), kind + " answered cleartext on an https port: " + plain);

                Etcdctl.Result health = ctl.run("endpoint", "health");
                assertTrue(health.ok() && (health.stdout() + health.stderr()).contains("is healthy"), kind + ": " + health);
                Etcdctl.Result after = ctl.run("get", "foo", "--print-value-only");
                assertEquals("bar\n", after.stdout(), kind + ": " + after);
                assertTrue(m.isAlive());
                transcripts.put(kind, transcript);
                System.out.println("tls-client " + kind + ": " + transcript);
            }
        }
        assertEquals(transcripts.get(MemberKind.ETCD), transcripts.get(subject));
    }

    @Test
    void jetcdWithAClientCertificate() throws Exception {
        MemberKind subject = Binaries.requireSubject();
        Path dir = freshDir("jetcd");
        TestPki ca = TestPki.create(dir, "clients");
        TestPki.Leaf server = ca.leaf("server", "server", "127.0.0.1", "localhost");
        TestPki.Leaf good = ca.leaf("client1", "client1");
        try (MemberProcess m = MemberProcess.create(subject, "tls-jetcd",
                        "--cert-file=" + server.cert(), "--key-file=" + server.key(), "--client-cert-auth",
                        "--trusted-ca-file=" + ca.caFile())
                .tls(true, false, "--cacert=" + ca.caFile(), "--cert=" + good.cert(), "--key=" + good.key())
                .start();
             Client client = Client.builder().endpoints(m.clientUrl())
                     .sslContext(GrpcSslContexts.forClient().trustManager(ca.caFile().toFile())
                             .keyManager(good.cert().toFile(), good.key().toFile()).build())
                     .retryMaxAttempts(0).build()) {
            ByteSequence key = Jetcd.bs("tls-key");
            Jetcd.await(client.getKVClient().put(key, Jetcd.bs("v1")));
            List<KeyValue> kvs = Jetcd.await(client.getKVClient().get(key)).getKvs();
            assertEquals(1, kvs.size());
            assertEquals("v1", kvs.get(0).getValue().toString());

            // Without a client certificate the handshake fails: jetcd sees UNAVAILABLE, never an answer.
            try (Client noCert = Client.builder().endpoints(m.clientUrl())
                    .sslContext(GrpcSslContexts.forClient().trustManager(ca.caFile().toFile()).build())
                    .waitForReady(false).retryMaxAttempts(0).build()) {
                Jetcd.RpcError e = Jetcd.rpcError(org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                        () -> noCert.getKVClient().get(key).get(20, TimeUnit.SECONDS)));
                assertEquals("UNAVAILABLE", e.code(), String.valueOf(e));
            }
            assertEquals("v1", Jetcd.await(client.getKVClient().get(key)).getKvs().get(0).getValue().toString(),
                    "the member still serves the client with a certificate");
        }
    }

    @Test
    void autoTlsSideBySideWithEtcd() throws Exception {
        Binaries.requireEtcd();
        MemberKind subject = Binaries.requireSubject();
        for (MemberKind kind : List.of(MemberKind.ETCD, subject)) {
            try (MemberProcess m = MemberProcess.create(kind, "auto-tls", "--auto-tls")
                    .tls(true, false, "--insecure-skip-tls-verify", "--insecure-transport=false").start()) {
                Etcdctl ctl = m.etcdctl();
                assertTrue(ctl.run("put", "k", "v").ok(), kind.toString());
                assertEquals("v\n", ctl.run("get", "k", "--print-value-only").stdout(), kind.toString());
                Path fixtures = m.dataDir().resolve("fixtures").resolve("client");
                assertTrue(Files.exists(fixtures.resolve("key.pem")), kind + ": " + fixtures);
                X509Certificate cert;
                try (InputStream in = Files.newInputStream(fixtures.resolve("cert.pem"))) {
                    cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
                }
                assertEquals("O=etcd", cert.getSubjectX500Principal().getName(), kind.toString());
                assertEquals(521, ((ECPublicKey) cert.getPublicKey()).getParams().getCurve().getField().getFieldSize(),
                        kind + ": ECDSA P-521 as etcd 3.4's SelfCert");
                long days = Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant()).toDays();
                assertEquals(365, days, kind.toString());
                assertNotNull(cert.getSubjectAlternativeNames(), kind.toString());
                assertTrue(cert.getSubjectAlternativeNames().stream().anyMatch(san -> "127.0.0.1".equals(san.get(1))),
                        kind + ": " + cert.getSubjectAlternativeNames());
                assertTrue(cert.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"), kind + ": server auth");
                Etcdctl.Result verified = new Etcdctl(m.clientUrl(), List.of("--dial-timeout=2s", "--command-timeout=3s"))
                        .run("get", "k");
                assertFalse(verified.ok(), kind + ": a self-signed certificate passed verification: " + verified);
            }
        }
    }
}
