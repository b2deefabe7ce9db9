package io.vertcd.tests;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Test certificates made with BouncyCastle: a CA, leaf certificates signed by it (IP and DNS SANs, a CN, server and
 * client usage, any validity window), and CRLs. Files are PEM; keys are PKCS#8 ({@code PRIVATE KEY}), which Go, the
 * JDK and Netty all read.
 */
public final class TestPki {
    private final Path dir;
    private final String name;
    private final KeyPair caKey;
    private final X509Certificate caCert;
    private final List<BigInteger> revoked = new ArrayList<>();

    /** A certificate and key written to files. */
    public record Leaf(Path cert, Path key, BigInteger serial) {
    }

    private TestPki(Path dir, String name, KeyPair caKey, X509Certificate caCert) {
        this.dir = dir;
        this.name = name;
        this.caKey = caKey;
        this.caCert = caCert;
    }

    /**
     * @param dir where the files go (created)
     * @param name the CA's CN and file prefix
     * @return a new CA, its certificate in {@code <dir>/<name>-ca.pem}
     */
    public static TestPki create(Path dir, String name) {
        try {
            Files.createDirectories(dir);
            KeyPair key = keyPair();
            X500Name subject = new X500Name("CN=" + name + " CA,O=vertcd-tests");
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(30))), subject,
                    key.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign
                    | KeyUsage.digitalSignature));
            X509Certificate ca = convert(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
            TestPki pki = new TestPki(dir, name, key, ca);
            Files.writeString(pki.caFile(), pem(ca));
            return pki;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the CA certificate file */
    public Path caFile() {
        return dir.resolve(name + "-ca.pem");
    }

    /**
     * @param file file prefix
     * @param cn the subject's Common Name
     * @param notBefore start of validity
     * @param notAfter end of validity
     * @param sans SANs: IP literals become IP SANs, others DNS SANs
     * @return a certificate for server and client use, signed by this CA
     */
    public Leaf leaf(String file, String cn, Instant notBefore, Instant notAfter, String... sans) {
        try {
            KeyPair key = keyPair();
            BigInteger serial = serial();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial, Date.from(notBefore),
                    Date.from(notAfter), new X500Name("CN=" + cn + ",O=vertcd-tests"), key.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            if (sans.length > 0) {
                List<GeneralName> names = new ArrayList<>();
                for (String s : sans) {
                    names.add(s.matches("[0-9.]+|.*:.*") ? new GeneralName(GeneralName.iPAddress, s)
                            : new GeneralName(GeneralName.dNSName, s));
                }
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            X509Certificate cert = convert(b.build(new JcaContentSignerBuilder("SHA256withECDSA")
                    .build(caKey.getPrivate())));
            Path certFile = dir.resolve(file + ".pem");
            Path keyFile = dir.resolve(file + "-key.pem");
            Files.writeString(certFile, pem(cert));
            Files.writeString(keyFile, pem(new JcaPKCS8Generator(key.getPrivate(), null)));
            return new Leaf(certFile, keyFile, serial);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return a certificate valid from an hour ago for 30 days */
    public Leaf leaf(String file, String cn, String... sans) {
        Instant now = Instant.now();
        return leaf(file, cn, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(30)), sans);
    }

    /**
     * Revokes a certificate and writes this CA's CRL.
     *
     * @return the CRL file, {@code <dir>/<name>-crl.pem}
     */
    public Path revoke(Leaf leaf) {
        revoked.add(leaf.serial());
        return writeCrl();
    }

    /** @return this CA's CRL (possibly empty), written now */
    public Path writeCrl() {
        try {
            Instant now = Instant.now();
            X509v2CRLBuilder crl = new X509v2CRLBuilder(X500Name.getInstance(caCert.getSubjectX500Principal().getEncoded()),
                    Date.from(now.minus(Duration.ofMinutes(5))));
            crl.setNextUpdate(Date.from(now.plus(Duration.ofDays(7))));
            for (BigInteger s : revoked) {
                crl.addCRLEntry(s, Date.from(now.minus(Duration.ofMinutes(1))), CRLReason.keyCompromise);
            }
            Path file = dir.resolve(name + "-crl.pem");
            Files.writeString(file, pem(crl.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate()))));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * @param client the certificate and key this side presents
     * @param trustedCa the CA file that verifies the server
     * @return a TLS context (TLS 1.2/1.3) for a JDK client
     */
    public static javax.net.ssl.SSLContext clientContext(Leaf client, Path trustedCa) {
        try {
            java.security.cert.CertificateFactory cf = java.security.cert.CertificateFactory.getInstance("X.509");
            X509Certificate cert;
            X509Certificate ca;
            try (var in = Files.newInputStream(client.cert())) {
                cert = (X509Certificate) cf.generateCertificate(in);
            }
            try (var in = Files.newInputStream(trustedCa)) {
                ca = (X509Certificate) cf.generateCertificate(in);
            }
            java.security.PrivateKey key;
            try (var parser = new org.bouncycastle.openssl.PEMParser(Files.newBufferedReader(client.key()))) {
                key = new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter().getPrivateKey(
                        (org.bouncycastle.asn1.pkcs.PrivateKeyInfo) parser.readObject());
            }
            java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("client", key, new char[0], new java.security.cert.Certificate[] {cert});
            javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
            kmf.init(ks, new char[0]);
            java.security.KeyStore ts = java.security.KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            ts.setCertificateEntry("ca", ca);
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
            tmf.init(ts);
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
        return gen.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(64, new SecureRandom()).add(BigInteger.ONE);
    }

    private static X509Certificate convert(X509CertificateHolder holder) throws GeneralSecurityException {
        return new JcaX509CertificateConverter().getCertificate(holder);
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }
}
