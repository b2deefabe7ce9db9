package io.vertcd.server.tls;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checks etcd makes on a TLS connection after the JDK has verified the client certificate's chain (and CRL):
 * the allowed CN or host name ({@link CertificateRules#checkAllowed}) and, on the peer port, that the certificate's
 * SANs match the remote address ({@link CertificateRules#checkSan}, etcd checkSAN; resolving DNS SANs runs on a
 * worker thread). A refused connection is logged at WARN as etcd logs it ({@code rejected connection from
 * "ADDR" (error "...", ...)}) and closed; requests that arrive on it meanwhile are reset, and requests on a
 * connection still being checked wait for the outcome (paused, so nothing is read meanwhile).
 *
 * <p>Install {@link #connections()} as the server's connection handler and wrap its request handler with
 * {@link #requests(Handler)}. A guard with nothing to check admits every connection at once.
 */
public final class ConnectionGuard {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

    private final Vertx vertx;
    private final TlsInfo info;
    private final boolean checkSan;
    /** Outcome per connection still open: succeeded = admitted; absent = nothing to check. */
    private final Map<HttpConnection, Future<Void>> admissions = new ConcurrentHashMap<>();

    /**
     * @param vertx for worker threads
     * @param info the port's TLS settings
     * @param peerPort true on the peer port: the SAN check applies unless {@link TlsInfo#skipClientSanVerify()}
     */
    public ConnectionGuard(Vertx vertx, TlsInfo info, boolean peerPort) {
        this.vertx = vertx;
        this.info = info;
        this.checkSan = peerPort && !info.skipClientSanVerify();
    }

    /** @return the connection handler that starts each TLS connection's checks */
    public Handler<HttpConnection> connections() {
        return connection -> {
            if (!connection.isSsl() || (!info.hasCertificateRules() && !checkSan)) {
                return;
            }
            X509Certificate leaf = ClientCertificates.leaf(connection.sslSession());
            Future<Void> outcome = check(connection, leaf);
            admissions.put(connection, outcome);
            connection.closeHandler(v -> admissions.remove(connection));
            outcome.onFailure(e -> {
                logRejected(connection, leaf, e.getMessage());
                connection.close();
            });
        };
    }

    /** @return {@code next}, called only for requests on admitted connections */
    public Handler<HttpServerRequest> requests(Handler<HttpServerRequest> next) {
        return request -> {
            Future<Void> outcome = admissions.get(request.connection());
            if (outcome == null || outcome.succeeded()) {
                next.handle(request);
            } else if (outcome.failed()) {
                request.response().reset();
            } else {
                request.pause();
                outcome.onComplete(ar -> {
                    if (ar.succeeded()) {
                        next.handle(request);
                        request.resume();
                    } else {
                        request.response().reset();
                    }
                });
            }
        };
    }

    private Future<Void> check(HttpConnection connection, X509Certificate leaf) {
        if (leaf == null) {
            // No client certificate (not required on this port): nothing to match, as in Go.
            return Future.succeededFuture();
        }
        String refused = CertificateRules.checkAllowed(info, leaf);
        if (refused != null) {
            return Future.failedFuture(refused);
        }
        if (!checkSan) {
            return Future.succeededFuture();
        }
        SocketAddress remote = connection.remoteAddress();
        String ip = remote.hostAddress();
        if (ip == null) {
            return Future.succeededFuture();
        }
        if (CertificateRules.verifyHostname(leaf, ip)) {
            return Future.succeededFuture(); // fast path: an IP SAN matches, no lookup needed
        }
        return vertx.executeBlocking(() -> {
            String reason = CertificateRules.checkSan(leaf, ip);
            if (reason != null) {
                throw new IllegalStateException(reason);
            }
            return null;
        }, false);
    }

    private static void logRejected(HttpConnection connection, X509Certificate leaf, String reason) {
        String server = connection.indicatedServerName();
        if (leaf != null) {
            String sans;
            try {
                sans = String.valueOf(leaf.getSubjectAlternativeNames());
            } catch (java.security.cert.CertificateParsingException e) {
                sans = "?";
            }
            LOG.warn("rejected connection from \"{}\" (error \"{}\", ServerName \"{}\", CN \"{}\", SANs {})",
                    connection.remoteAddress(), reason, server == null ? "" : server,
                    ClientCertificates.commonName(leaf), sans);
        } else {
            LOG.warn("rejected connection from \"{}\" (error \"{}\", ServerName \"{}\")", connection.remoteAddress(),
                    reason, server == null ? "" : server);
        }
    }

    /**
     * Logs a handshake that failed (wrong CA, expired or revoked certificate, no certificate where one is required),
     * as etcd's HandshakeFailure hook does; other connection errors before HTTP (a client hanging up) at DEBUG.
     *
     * @param cause the handshake's failure
     */
    public static void logHandshakeFailure(Throwable cause) {
        Throwable ssl = null;
        for (Throwable t = cause; t != null && ssl == null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException) {
                ssl = t;
            }
        }
        if (ssl == null) {
            LOG.debug("connection failed before HTTP: {}", cause.toString());
            return;
        }
        LOG.warn("rejected connection (error \"{}\")", ssl.getMessage() != null ? ssl.getMessage() : ssl.toString());
    }
}
