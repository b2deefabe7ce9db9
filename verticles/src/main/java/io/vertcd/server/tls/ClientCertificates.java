package io.vertcd.server.tls;

import io.vertx.core.http.HttpConnection;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The verified client certificate of a connection, for etcd's {@code AuthInfoFromTLS} (etcdserver/api/v3rpc: with
 * auth enabled, the Common Name of the client certificate is the user name). A connection has a verified client
 * certificate only on a TLS port whose client certificates are required ({@link TlsInfo#requiresClientCertificate()}),
 * where the handshake has already refused every certificate not signed by the trusted CA.
 */
public final class ClientCertificates {
    private ClientCertificates() {
    }

    /**
     * @param connection a server connection (e.g. {@code GrpcServerRequest.connection()},
     *     {@code HttpServerRequest.connection()})
     * @return the Common Name of the client's leaf certificate, or null on a plain connection, without a client
     *     certificate, or when the certificate has no CN
     */
    public static String commonName(HttpConnection connection) {
        if (connection == null || !connection.isSsl()) {
            return null;
        }
        return commonName(connection.sslSession());
    }

    /**
     * @param session a TLS session, or null
     * @return the Common Name of the peer's leaf certificate, or null when there is none
     */
    public static String commonName(SSLSession session) {
        X509Certificate leaf = leaf(session);
        return leaf == null ? null : commonName(leaf);
    }

    /** @return the peer's verified leaf certificate, or null when the session has none */
    public static X509Certificate leaf(SSLSession session) {
        if (session == null) {
            return null;
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    /** @return the last CN attribute of the subject (Go's pkix.Name.CommonName), or null */
    public static String commonName(X509Certificate cert) {
        try {
            List<Rdn> rdns = new LdapName(cert.getSubjectX500Principal().getName()).getRdns();
            String cn = null;
            for (Rdn rdn : rdns) { // in the certificate's order; Go keeps the last CN
                if ("CN".equalsIgnoreCase(rdn.getType())) {
                    cn = String.valueOf(rdn.getValue());
                }
            }
            return cn;
        } catch (InvalidNameException e) {
            return null;
        }
    }
}
