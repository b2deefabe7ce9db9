package io.vertcd.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Auto-TLS certificates as etcd's SelfCert makes them, Go's host-name rules, etcd's CN rule and cipher names. */
class SelfCertAndRulesTest {
    @TempDir
    Path dir;

    private static X509Certificate read(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    @Test
    void selfCertHasEtcdsShapeAndIsReused() throws Exception {
        Path fixtures = dir.resolve("fixtures").resolve("peer");
        TlsInfo auto = new TlsInfo("", "", "", false, "", "", "", true, false, false, List.of());
        TlsInfo resolved = SelfCert.resolve(auto, fixtures,
                List.of(URI.create("https://127.0.0.1:2380"), URI.create("https://node1.example:2380")), 2, "peer");
        assertTrue(resolved.selfCert());
        assertEquals(fixtures.resolve("cert.pem").toString(), resolved.certFile());
        X509Certificate cert = read(fixtures.resolve("cert.pem"));
        assertEquals("O=etcd", cert.getSubjectX500Principal().getName());
        assertEquals(521, ((ECPublicKey) cert.getPublicKey()).getParams().getCurve().getField().getFieldSize());
        assertEquals(730, Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant()).toDays());
        assertEquals(-1, cert.getBasicConstraints(), "not a CA");
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), cert.getExtendedKeyUsage());
        assertTrue(CertificateRules.verifyHostname(cert, "127.0.0.1"));
        assertTrue(CertificateRules.verifyHostname(cert, "NODE1.example"));
        assertFalse(CertificateRules.verifyHostname(cert, "127.0.0.2"));
        assertFalse(CertificateRules.verifyHostname(cert, "other.example"));
        assertNull(ClientCertificates.commonName(cert), "etcd's self-signed certificates have no CN");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fixtures.resolve("key.pem"))));
        assertTrue(Files.readString(fixtures.resolve("key.pem")).startsWith("-----BEGIN PRIVATE KEY-----"));

        byte[] before = Files.readAllBytes(fixtures.resolve("cert.pem"));
        SelfCert.resolve(auto, fixtures, List.of(URI.create("https://127.0.0.9:2380")), 1, "peer");
        assertEquals(new String(before), Files.readString(fixtures.resolve("cert.pem")), "existing pair reused");

        TlsInfo given = auto.withSelfCert("/given.pem", "/given.key");
        assertEquals(given, SelfCert.resolve(given, dir.resolve("unused"), List.of(), 1, "peer"),
                "auto TLS is ignored when a certificate is given");
        assertFalse(Files.exists(dir.resolve("unused")));
    }

    @Test
    void allowedHostnameAndSanChecks() throws Exception {
        Path fixtures = dir.resolve("c");
        SelfCert.ensure(fixtures, List.of(URI.create("https://127.0.0.1:2379")), 1);
        X509Certificate cert = read(fixtures.resolve("cert.pem"));
        TlsInfo allowHost = new TlsInfo("c", "k", "", true, "", "", "127.0.0.1", false, false, false, List.of());
        assertNull(CertificateRules.checkAllowed(allowHost, cert));
        TlsInfo otherHost = new TlsInfo("c", "k", "", true, "", "", "10.1.2.3", false, false, false, List.of());
        assertEquals("client certificate authentication failed", CertificateRules.checkAllowed(otherHost, cert));
        TlsInfo allowCn = new TlsInfo("c", "k", "", true, "", "etcd-peer", "", false, false, false, List.of());
        assertEquals("client certificate authentication failed", CertificateRules.checkAllowed(allowCn, cert),
                "a certificate without the CN is refused");
        assertNull(CertificateRules.checkSan(cert, "127.0.0.1"));
        String refused = CertificateRules.checkSan(cert, "127.0.0.5");
        assertNotNull(refused);
        assertTrue(refused.contains("127.0.0.5"), refused);
    }

    @Test
    void cipherSuitesByGoName() {
        assertEquals(List.of("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"),
                CipherSuites.toJdk(List.of("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_RSA_WITH_AES_128_GCM_SHA256")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CipherSuites.toJdk(List.of("TLS_RSA_WITH_RC2")));
        assertEquals("unexpected TLS cipher suite \"TLS_RSA_WITH_RC2\"", e.getMessage());
    }
}
