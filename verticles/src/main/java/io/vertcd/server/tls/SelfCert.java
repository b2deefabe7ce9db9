package io.vertcd.server.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Auto TLS ({@code --auto-tls}, {@code --peer-auto-tls}): a self-signed certificate and its key in
 * {@code <dir>/cert.pem} and {@code <dir>/key.pem}, as etcd pkg/transport SelfCert makes them: reused when both files
 * exist; otherwise a new ECDSA P-521 key, a random 128-bit serial, subject {@code O=etcd}, valid from now for
 * {@code validityYears} × 365 days (etcd 3.4: one year; 3.5's {@code --self-signed-cert-validity}), key usage key
 * encipherment + digital signature, extended key usage server auth, basic constraints (not a CA), and one IP or DNS
 * SAN for the host of each listen URL. The key is written with mode 0600 as PKCS#8 ({@code PRIVATE KEY}; etcd writes
 * SEC 1 {@code EC PRIVATE KEY}, which Vert.x's PEM reader cannot parse for P-521; Go and OpenSSL read both).
 *
 * <p>Built with BouncyCastle's certificate builder and the JDK's EC key generator and signer. Blocking (key
 * generation, file I/O): call on a worker thread, never on an event loop.
 */
public final class SelfCert {
    private static final Logger LOG = LoggerFactory.getLogger(SelfCert.class);
    /** Certificate file name inside the fixtures directory (etcd's). */
    public static final String CERT_FILE = "cert.pem";
    /** Key file name inside the fixtures directory (etcd's). */
    public static final String KEY_FILE = "key.pem";

    private SelfCert() {
    }

    /**
     * etcd embed Config.ClientSelfCert / PeerSelfCert: with auto TLS and no certificate given, this side uses a
     * self-signed certificate in {@code dir}; with a certificate given, auto TLS is ignored (logged).
     *
     * @param info the port's settings
     * @param dir where the generated pair lives
     * @param listenUrls the port's listen URLs (SANs)
     * @param validityYears validity of a new certificate, years
     * @param what "client" or "peer", for the log
     * @return {@code info}, or a copy with the generated pair ({@link TlsInfo#selfCert()} set)
     * @throws IOException when the pair cannot be written
     */
    public static TlsInfo resolve(TlsInfo info, Path dir, List<URI> listenUrls, int validityYears, String what)
            throws IOException {
        if (!info.autoTls()) {
            return info;
        }
        if (!info.empty()) {
            LOG.warn("ignoring {} auto TLS since certs given", what);
            return info;
        }
        Path[] pair = ensure(dir, listenUrls, validityYears);
        return info.withSelfCert(pair[0].toString(), pair[1].toString());
    }

    /**
     * @param dir {@code <data-dir>/fixtures/client} or {@code <data-dir>/fixtures/peer} (etcd embed Config.ClientSelfCert,
     *     PeerSelfCert); created when missing
     * @param listenUrls the listen URLs whose hosts become the SANs
     * @param validityYears years of validity, at least 1
     * @return {@code [certPath, keyPath]}
     * @throws IOException when the directory or files cannot be written or the certificate cannot be made
     */
    public static Path[] ensure(Path dir, List<URI> listenUrls, int validityYears) throws IOException {
        Files.createDirectories(dir);
        Path cert = dir.resolve(CERT_FILE);
        Path key = dir.resolve(KEY_FILE);
        if (Files.exists(cert) && Files.exists(key)) {
            return new Path[] {cert, key};
        }
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp521r1"), new SecureRandom());
            KeyPair pair = gen.generateKeyPair();
            Instant notBefore = Instant.now();
            Instant notAfter = notBefore.plus(Duration.ofDays(365L * validityYears));
            X500Name subject = new X500Name("O=etcd");
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    new BigInteger(128, new SecureRandom()), Date.from(notBefore), Date.from(notAfter), subject,
                    pair.getPublic());
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.keyEncipherment | KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            List<GeneralName> names = sans(listenUrls);
            if (!names.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder("SHA512withECDSA")
                    .build(pair.getPrivate()));
            Files.writeString(cert, pem(holder), StandardCharsets.US_ASCII);
            LOG.info("created cert file {}", cert);
            writePrivate(key, pem(new JcaPKCS8Generator(pair.getPrivate(), null)));
            LOG.info("created key file {}", key);
            return new Path[] {cert, key};
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot generate self-signed certificate in " + dir + ": " + e, e);
        }
    }

    /** One IP SAN per listen URL whose host is an IP literal, one DNS SAN per other host, in order. */
    static List<GeneralName> sans(List<URI> listenUrls) {
        List<GeneralName> names = new ArrayList<>();
        for (URI url : listenUrls) {
            String host = url.getHost();
            if (host == null) {
                continue;
            }
            String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            names.add(isIpLiteral(bare) ? new GeneralName(GeneralName.iPAddress, bare)
                    : new GeneralName(GeneralName.dNSName, bare));
        }
        return names;
    }

    static boolean isIpLiteral(String host) {
        if (host.contains(":")) {
            return true;
        }
        return host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }

    private static void writePrivate(Path key, String text) throws IOException {
        Path tmp = key.resolveSibling(KEY_FILE + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.US_ASCII)) {
            w.write(text);
        }
        Files.move(tmp, key, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

}
