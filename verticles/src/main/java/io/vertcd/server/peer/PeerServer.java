package io.vertcd.server.peer;

import io.vertcd.server.api.GrpcErrors;
import io.vertcd.server.tls.ConnectionGuard;
import io.vertcd.server.tls.TlsInfo;
import io.vertcd.server.tls.TlsOptions;

import com.google.protobuf.Empty;
import io.vertcd.raft.pb.Message;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening side of the peer protocol on {@code --listen-peer-urls} (h2c on http URLs; on https URLs HTTP/2 over
 * TLS with the peer TLS settings, the client certificate's CN, host name and SANs checked by a {@link ConnectionGuard}
 * as etcd's peer listener does, refusals logged): the gRPC method
 * {@code vertcd.raft.Peer/Send} and the snapshot endpoint. Each batch's cluster ID is checked; a
 * mismatching batch ends the call with FAILED_PRECONDITION "cluster ID mismatch" and none of its
 * messages is delivered. Messages addressed to another member ID are dropped (and logged once per
 * call). Delivered messages go to the inbound consumer on the event loop of the connection.
 */
final class PeerServer {
    private static final Logger LOG = LoggerFactory.getLogger(PeerServer.class);

    private final Vertx vertx;
    private final long localId;
    private final long clusterId;
    private final int maxMessageBytes;
    private final Consumer<Message> inbound;
    private final SnapshotIntake snapshots;
    private final List<HttpServer> servers = new ArrayList<>();
    private final GrpcServer grpc;
    private long received;
    private volatile Supplier<byte[]> members;

    private final TlsInfo tls;

    PeerServer(Vertx vertx, long localId, long clusterId, int maxMessageBytes, Consumer<Message> inbound,
               SnapshotIntake snapshots, TlsInfo tls) {
        this.tls = tls;
        this.vertx = vertx;
        this.localId = localId;
        this.clusterId = clusterId;
        this.maxMessageBytes = maxMessageBytes;
        this.inbound = inbound;
        this.snapshots = snapshots;
        this.grpc = GrpcServer.server(vertx, new GrpcServerOptions().setMaxMessageSize(maxMessageBytes));
    }

    /** @return one future per URL, each with the bound server (port 0 binds an ephemeral port) */
    Future<List<Integer>> listen(List<URI> urls) {
        grpc.callHandler(PeerCall.SEND.serverMethod, call -> {
            boolean[] refused = {false};
            boolean[] misaddressed = {false};
            call.handler(batch -> {
                if (refused[0]) {
                    return;
                }
                if (batch.getClusterId() != clusterId) {
                    refused[0] = true;
                    LOG.warn("refused peer stream: {} (local {}, remote {})", PeerWire.CLUSTER_ID_MISMATCH,
                            Long.toHexString(clusterId), Long.toHexString(batch.getClusterId()));
                    io.vertcd.server.api.GrpcErrors.end(call.response(), GrpcStatus.FAILED_PRECONDITION,
                            PeerWire.CLUSTER_ID_MISMATCH);
                    return;
                }
                for (Message m : batch.getMessagesList()) {
                    if (m.getTo() != localId) {
                        if (!misaddressed[0]) {
                            misaddressed[0] = true;
                            LOG.warn("dropped message for member {} received by {}", Long.toHexString(m.getTo()),
                                    Long.toHexString(localId));
                        }
                        continue;
                    }
                    received++;
                    inbound.accept(m);
                }
            });
            call.endHandler(v -> {
                if (!refused[0]) {
                    call.response().end(Empty.getDefaultInstance());
                }
            });
            call.exceptionHandler(t -> LOG.debug("peer stream failed: {}", t.toString()));
        });
        List<Future<Integer>> bound = new ArrayList<>();
        for (URI url : urls) {
            HttpServerOptions options = new HttpServerOptions().setHost(url.getHost()).setPort(url.getPort())
                    .setHttp2ClearTextEnabled(true);
            if (TlsOptions.isTls(url)) {
                TlsOptions.server(options, tls);
            }
            ConnectionGuard guard = new ConnectionGuard(vertx, tls, true);
            HttpServer server = vertx.createHttpServer(options)
                    .connectionHandler(guard.connections())
                    .exceptionHandler(ConnectionGuard::logHandshakeFailure)
                    .requestHandler(guard.requests(req -> {
                        if (PeerWire.SNAPSHOT_PATH.equals(req.path())) {
                            snapshots.handle(req);
                        } else if (PeerWire.PROBE_PATH.equals(req.path())) {
                            req.response().putHeader(PeerWire.CLUSTER_ID_HEADER, Long.toHexString(clusterId)).end();
                        } else if (PeerWire.MEMBERS_PATH.equals(req.path())) {
                            Supplier<byte[]> source = members;
                            byte[] body = source == null ? null : source.get();
                            if (body == null) {
                                req.response().setStatusCode(503).end("membership not known yet");
                            } else {
                                req.response().putHeader(PeerWire.CLUSTER_ID_HEADER, Long.toHexString(clusterId))
                                        .putHeader("content-type", "application/x-protobuf")
                                        .end(io.vertx.core.buffer.Buffer.buffer(body));
                            }
                        } else {
                            grpc.handle(req);
                        }
                    }));
            servers.add(server);
            bound.add(server.listen().map(HttpServer::actualPort));
        }
        return Future.all(bound).map(cf -> {
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < cf.size(); i++) {
                ports.add(cf.resultAt(i));
            }
            return ports;
        });
    }

    /**
     * Serves a {@link PeerCall} with {@code handler}: its result is the answer, its failure the gRPC
     * status (an {@link io.vertcd.statemachine.EtcdException} as its etcd code and exact message, as on
     * the client API). Until a handler is set the method answers UNIMPLEMENTED.
     *
     * @param handler called on the peer server's event loop; must not block
     */
    <Req extends com.google.protobuf.Message, Resp extends com.google.protobuf.Message> void serve(
            PeerCall<Req, Resp> call, java.util.function.Function<Req, Future<Resp>> handler) {
        grpc.callHandler(call.serverMethod, request -> request.last().compose(handler).onComplete(ar -> {
            if (ar.succeeded()) {
                request.response().end(ar.result());
            } else {
                io.vertcd.server.api.GrpcErrors.fail(request.response(), ar.cause());
            }
        }));
    }

    /** @param source the body of {@link PeerWire#MEMBERS_PATH}, called on the server's event loop; null answers 503 */
    void setMembersSource(Supplier<byte[]> source) {
        this.members = source;
    }

    /** @return messages delivered to the inbound consumer, since creation */
    long received() {
        return received;
    }

    Future<Void> close() {
        List<Future<Void>> closing = new ArrayList<>();
        servers.forEach(s -> closing.add(s.close()));
        return Future.join(closing).mapEmpty();
    }
}
