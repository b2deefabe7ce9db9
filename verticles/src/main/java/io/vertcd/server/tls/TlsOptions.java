package io.vertcd.server.tls;

import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.URI;
import java.util.Set;

/**
 * Vert.x TLS options from a {@link TlsInfo}, as etcd pkg/transport TLSInfo.ServerConfig and ClientConfig build
 * Go's: TLS 1.2 and 1.3 only, the certificate and key as PEM, client certificates required (and verified against the
 * trusted CA file) when a CA file or client-cert-auth is given, the CRL checked, {@code --cipher-suites} as the
 * enabled TLS 1.2 suites (the TLS 1.3 suites stay enabled, as in Go), ALPN offering h2 then http/1.1. The TLS itself
 * is the JDK's (JSSE through Netty).
 */
public final class TlsOptions {
    /** Protocols enabled on every TLS port (etcd: MinVersion TLS 1.2). */
    public static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

    private TlsOptions() {
    }

    /**
     * Loads the JDK's and Netty's TLS classes and initialises the default SSL context. Blocking (class loading, the
     * JDK's entropy and provider set-up, over a second on a loaded machine): call on a worker thread before the first
     * TLS connection, so that the event loop that accepts or dials it does not do this work.
     */
    public static void preload() {
        try {
            javax.net.ssl.SSLContext.getDefault().createSSLEngine();
            Class.forName("io.netty.handler.ssl.SslHandler");
            Class.forName("io.netty.handler.ssl.JdkSslContext");
        } catch (java.security.NoSuchAlgorithmException | ClassNotFoundException e) {
            throw new IllegalStateException("TLS is not available in this JVM: " + e, e);
        }
    }

    /** @return true for an https (or unixs) URL */
    public static boolean isTls(URI url) {
        return "https".equals(url.getScheme()) || "unixs".equals(url.getScheme());
    }

    /**
     * Makes {@code options} a TLS server's.
     *
     * @param options a server's options (host, port and HTTP settings already set)
     * @param info this port's settings; must not be {@link TlsInfo#empty()}
     * @return {@code options}
     */
    public static HttpServerOptions server(HttpServerOptions options, TlsInfo info) {
        options.setSsl(true).setUseAlpn(true).setEnabledSecureTransportProtocols(PROTOCOLS)
                .setKeyCertOptions(new PemKeyCertOptions().setCertPath(info.certFile()).setKeyPath(info.keyFile()));
        if (!info.trustedCaFile().isEmpty()) {
            options.setTrustOptions(new PemTrustOptions().addCertPath(info.trustedCaFile()));
        }
        options.setClientAuth(info.requiresClientCertificate() ? ClientAuth.REQUIRED : ClientAuth.NONE);
        if (!info.crlFile().isEmpty()) {
            options.addCrlPath(info.crlFile());
        }
        ciphers(info).forEach(options::addEnabledCipherSuite);
        return options;
    }

    /**
     * Makes {@code options} a TLS client's (the peer transport's): this side's certificate when one is given, the
     * trusted CA file (else the JDK's trust store), the server's host name verified, no verification at all when
     * this member's certificate is self-signed (etcd ClientConfig: selfCert sets InsecureSkipVerify).
     *
     * @param options a client's options
     * @param info this member's peer settings
     * @return {@code options}
     */
    public static HttpClientOptions client(HttpClientOptions options, TlsInfo info) {
        options.setSsl(true).setUseAlpn(true).setEnabledSecureTransportProtocols(PROTOCOLS);
        if (!info.empty()) {
            options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(info.certFile()).setKeyPath(info.keyFile()));
        }
        if (info.selfCert()) {
            options.setTrustAll(true).setVerifyHost(false);
        } else {
            options.setVerifyHost(true);
            if (!info.trustedCaFile().isEmpty()) {
                options.setTrustOptions(new PemTrustOptions().addCertPath(info.trustedCaFile()));
            }
        }
        if (!info.crlFile().isEmpty()) {
            options.addCrlPath(info.crlFile());
        }
        ciphers(info).forEach(options::addEnabledCipherSuite);
        return options;
    }

    private static java.util.List<String> ciphers(TlsInfo info) {
        if (info.cipherSuites().isEmpty()) {
            return java.util.List.of();
        }
        java.util.List<String> all = new java.util.ArrayList<>(info.cipherSuites());
        CipherSuites.TLS13.stream().filter(s -> !all.contains(s)).forEach(all::add);
        return all;
    }
}
