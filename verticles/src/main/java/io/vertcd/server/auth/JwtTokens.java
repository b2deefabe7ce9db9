package io.vertcd.server.auth;

import io.jsonwebtoken.Claims;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.SecureDigestAlgorithm;
import io.vertcd.server.cli.ConfigException;
import io.vertcd.server.cli.GoDurations;
import io.vertcd.statemachine.auth.AuthInfo;
import io.vertcd.statemachine.auth.TokenProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.function.LongSupplier;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * etcd's {@code jwt} tokens (auth/jwt.go, options.go): signed JSON Web Tokens with etcd's claims {@code username},
 * {@code revision} (the auth revision at issue) and {@code exp} (Unix seconds, issue time + ttl), so that a token
 * issued by one member is accepted by every member that has the public key. Options of {@code --auth-token jwt,...}:
 * {@code pub-key} (PEM public key or certificate), {@code priv-key} (PEM private key: PKCS#8, PKCS#1 RSA or SEC1 EC;
 * for HS* the raw secret), {@code sign-method} (RS256/384/512, PS256/384/512, ES256/384/512, HS256/384/512),
 * {@code ttl} (Go duration, default 5m). Without a private key the member only verifies tokens.
 *
 * <p>Signing and verification use jjwt. Stateless: nothing to invalidate, as in etcd (a deleted user's token still
 * verifies, but the user no longer exists, so every permission check refuses it). Thread-safe.
 */
public final class JwtTokens implements TokenProvider {
    /** etcd DefaultTTL of a JWT. */
    static final long DEFAULT_TTL_MS = 5 * 60 * 1000;

    private final String signMethod;
    private final PrivateKey privateKey;
    private final Key verifyKey;
    private final SecureDigestAlgorithm<Key, Key> algorithm;
    private final long ttlMs;
    private final LongSupplier wallClockMs;

    @SuppressWarnings("unchecked")
    private JwtTokens(String signMethod, PrivateKey privateKey, Key verifyKey, long ttlMs, LongSupplier wallClockMs) {
        this.signMethod = signMethod;
        this.privateKey = privateKey;
        this.verifyKey = verifyKey;
        this.algorithm = (SecureDigestAlgorithm<Key, Key>) Jwts.SIG.get().get(signMethod);
        this.ttlMs = ttlMs;
        this.wallClockMs = wallClockMs;
    }

    /**
     * @param options the {@code key=value} options of {@code --auth-token jwt,...}
     * @return the provider
     * @throws ConfigException etcd's messages: an unknown sign-method ({@code auth: invalid auth signature method}),
     *     no key ({@code auth: missing key data}), a key that does not read
     */
    public static JwtTokens create(Map<String, String> options, LongSupplier wallClockMs) throws ConfigException {
        String method = options.getOrDefault("sign-method", "");
        if (!method.matches("(RS|PS|ES|HS)(256|384|512)")) {
            throw new ConfigException("vertcd: auth: invalid auth signature method");
        }
        long ttlMs = DEFAULT_TTL_MS;
        String ttl = options.get("ttl");
        if (ttl != null && !ttl.isEmpty()) {
            ttlMs = GoDurations.parseMs("ttl", ttl);
        }
        try {
            byte[] priv = read(options.get("priv-key"));
            byte[] pub = read(options.get("pub-key"));
            if (method.startsWith("HS")) {
                if (priv == null) {
                    throw new ConfigException("vertcd: auth: missing key data");
                }
                SecretKeySpec secret = new SecretKeySpec(priv, "Hmac" + "SHA" + method.substring(2));
                return new JwtTokens(method, null, secret, ttlMs, wallClockMs);
            }
            String family = method.startsWith("ES") ? "EC" : "RSA";
            PrivateKey privateKey = priv == null ? null : privateKey(priv, family);
            PublicKey publicKey = pub == null ? null : publicKey(pub, family);
            if (privateKey == null && publicKey == null) {
                throw new ConfigException("vertcd: auth: missing key data");
            }
            if (publicKey == null) {
                throw new ConfigException("vertcd: auth: jwt needs pub-key to verify tokens");
            }
            return new JwtTokens(method, privateKey, publicKey, ttlMs, wallClockMs);
        } catch (IOException | java.security.GeneralSecurityException | IllegalArgumentException e) {
            throw new ConfigException("vertcd: auth: cannot read the jwt keys: " + e.getMessage());
        }
    }

    private static byte[] read(String file) throws IOException {
        return file == null || file.isEmpty() ? null : Files.readAllBytes(Path.of(file));
    }

    /** The base64 body of the first PEM block with a BEGIN line containing {@code kind}, and that line's label. */
    private record Pem(String label, byte[] der) {
    }

    private static Pem pem(byte[] file) throws IOException {
        String text = new String(file, StandardCharsets.US_ASCII);
        int begin = text.indexOf("-----BEGIN ");
        if (begin < 0) {
            throw new IOException("no PEM block");
        }
        int labelEnd = text.indexOf("-----", begin + 11);
        String label = text.substring(begin + 11, labelEnd);
        int end = text.indexOf("-----END " + label + "-----", labelEnd);
        if (end < 0) {
            throw new IOException("unterminated PEM block " + label);
        }
        String body = text.substring(labelEnd + 5, end).replaceAll("\\s", "");
        return new Pem(label, Base64.getDecoder().decode(body));
    }

    private static PrivateKey privateKey(byte[] file, String family) throws IOException, java.security.GeneralSecurityException {
        Pem p = pem(file);
        byte[] pkcs8 = switch (p.label()) {
            case "PRIVATE KEY" -> p.der();
            case "RSA PRIVATE KEY" -> new PrivateKeyInfo(new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption,
                    DERNull.INSTANCE), ASN1Sequence.getInstance(p.der())).getEncoded();
            case "EC PRIVATE KEY" -> {
                ECPrivateKey ec = ECPrivateKey.getInstance(ASN1Sequence.getInstance(p.der()));
                yield new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, ec.getParametersObject()),
                        ec).getEncoded();
            }
            default -> throw new IOException("unsupported private key PEM block " + p.label());
        };
        return KeyFactory.getInstance(family).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    }

    private static PublicKey publicKey(byte[] file, String family) throws IOException, java.security.GeneralSecurityException {
        Pem p = pem(file);
        if (p.label().equals("CERTIFICATE")) {
            return CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(file)).getPublicKey();
        }
        if (!p.label().equals("PUBLIC KEY")) {
            throw new IOException("unsupported public key PEM block " + p.label());
        }
        return KeyFactory.getInstance(family).generatePublic(new X509EncodedKeySpec(p.der()));
    }

    /** {@inheritDoc} Signs on the applying member (etcd tokenJWT.assign); "" when this member only verifies. */
    @Override
    public String assign(String username, long revision, String simpleTokenPrefix, long index) {
        Key signing = verifyKey instanceof SecretKeySpec ? verifyKey : privateKey;
        if (signing == null) {
            return ""; // etcd ErrVerifyOnly: this member cannot sign; its own clients get an empty token
        }
        return Jwts.builder()
                .claim("username", username)
                .claim("revision", revision)
                .expiration(new Date(wallClockMs.getAsLong() + ttlMs))
                .signWith(signing, algorithm)
                .compact();
    }

    /** {@inheritDoc} Verifies the signature with the configured method only, and the expiry (etcd tokenJWT.info). */
    @Override
    public AuthInfo info(String token, long currentRevision) {
        try {
            var parser = Jwts.parser().clock(() -> new Date(wallClockMs.getAsLong()));
            var jws = (verifyKey instanceof SecretKeySpec s ? parser.verifyWith(s) : parser.verifyWith((PublicKey) verifyKey))
                    .build().parseSignedClaims(token);
            if (!signMethod.equals(jws.getHeader().getAlgorithm())) {
                return null;
            }
            Claims c = jws.getPayload();
            Object user = c.get("username");
            Object rev = c.get("revision");
            if (!(user instanceof String u) || !(rev instanceof Number r) || c.getExpiration() == null) {
                return null;
            }
            return new AuthInfo(u, r.longValue());
        } catch (JwtException | IllegalArgumentException | ClassCastException e) {
            return null;
        }
    }
}
