package io.vertcd.server.peer;

import io.vertcd.server.tls.TlsInfo;
import io.vertcd.server.tls.TlsOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.grpc.client.GrpcClient;
import java.net.URI;

/**
 * The peer transport's HTTP/2 clients, one per URL scheme as etcd's peer transport dials (rafthttp: http URLs in
 * cleartext, https URLs with the peer TLS settings as a client, etcd TLSInfo.ClientConfig): h2c with prior knowledge
 * for http peers, HTTP/2 over TLS (ALPN h2) for https peers. Each has a 1 s connect timeout and one connection per
 * peer, and a gRPC client over it (same connections). The TLS client is made on first use.
 */
final class PeerClients {
    private final Vertx vertx;
    private final TlsInfo tls;
    private final HttpClientAgent plain;
    private final GrpcClient plainGrpc;
    private HttpClientAgent secure;
    private GrpcClient secureGrpc;

    PeerClients(Vertx vertx, TlsInfo tls) {
        this.vertx = vertx;
        this.tls = tls;
        this.plain = vertx.createHttpClient(options().setHttp2ClearTextUpgrade(false), pool());
        this.plainGrpc = GrpcClient.client(vertx, plain);
    }

    private static HttpClientOptions options() {
        return new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setConnectTimeout(1000)
                .setHttp2MultiplexingLimit(100);
    }

    private static PoolOptions pool() {
        return new PoolOptions().setHttp2MaxSize(1);
    }

    /** @return the HTTP client for {@code peerUrl}'s scheme */
    synchronized HttpClientAgent http(URI peerUrl) {
        if (!TlsOptions.isTls(peerUrl)) {
            return plain;
        }
        if (secure == null) {
            secure = vertx.createHttpClient(TlsOptions.client(options(), tls), pool());
            secureGrpc = GrpcClient.client(vertx, secure);
        }
        return secure;
    }

    /** @return the gRPC client for {@code peerUrl}'s scheme */
    synchronized GrpcClient grpc(URI peerUrl) {
        http(peerUrl);
        return TlsOptions.isTls(peerUrl) ? secureGrpc : plainGrpc;
    }

    /** Closes the gRPC clients, then the HTTP clients. */
    synchronized Future<Void> close() {
        Future<Void> done = plainGrpc.close().compose(v -> plain.close());
        if (secure != null) {
            HttpClientAgent s = secure;
            GrpcClient g = secureGrpc;
            done = done.compose(v -> g.close()).compose(v -> s.close());
        }
        return done;
    }
}
