package io.vertcd.server.api.watch;

import io.vertcd.server.watch.WatchOutbox;
import io.vertcd.server.watch.WatchSession;
import io.vertcd.server.watch.Watches;

import io.vertcd.server.api.GrpcRoutes;
import io.vertcd.server.api.StreamCall;
import io.vertcd.server.node.ResponseHeaders;

import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * etcd's {@code etcdserverpb.Watch/Watch}: a bidirectional gRPC stream; each call is one
 * {@link WatchSession} with its own {@link WatchOutbox} on the event loop that received the call.
 * Many calls per HTTP/2 connection and many connections are independent.
 *
 * <p>When the client half-closes its side the session is closed and the call ends with status OK
 * (etcd's recvLoop returns nil on EOF); when the call is reset or the connection drops the session
 * is closed and nothing more is written. Responses still buffered then are dropped, as etcd does.
 */
public final class WatchService {
    /** The gRPC service name. */
    public static final ServiceName SERVICE = ServiceName.create("etcdserverpb", "Watch");

    private final Supplier<Watches> watches;
    private final ResponseHeaders headers;
    private final int maxRequestBytes;
    private final io.vertcd.server.auth.Authenticator auth;

    /**
     * @param watches the member's watches (RaftNode::watches; read when a call starts)
     * @param headers fills response headers
     * @param maxRequestBytes {@code --max-request-bytes}, the fragment limit
     * @param auth checks READ on each watched range at creation (etcd isWatchPermitted)
     */
    public WatchService(Supplier<Watches> watches, ResponseHeaders headers, int maxRequestBytes,
            io.vertcd.server.auth.Authenticator auth) {
        this.auth = Objects.requireNonNull(auth, "auth");
        this.watches = Objects.requireNonNull(watches, "watches");
        this.headers = Objects.requireNonNull(headers, "headers");
        this.maxRequestBytes = maxRequestBytes;
    }

    /**
     * Registers the method through {@code routes}, which refuses it on a learner as etcd's stream
     * interceptor does ({@code etcdserver: rpc not supported for learner}), and records it for the JSON gateway.
     */
    public void register(GrpcRoutes routes) {
        routes.<WatchRequest, WatchResponse>stream(SERVICE, "Watch", WatchRequest.getDefaultInstance(), this::watch);
    }

    /**
     * Serves one watch stream: each request goes to the stream's {@link WatchSession}, responses go out through a
     * {@link WatchOutbox}. The client's half-close ends the call; the client going away closes the session.
     */
    void watch(StreamCall<WatchRequest, WatchResponse> call) {
        Context loop = Vertx.currentContext();
        WatchOutbox out = new WatchOutbox(loop, WatchOutbox.DEFAULT_CAPACITY, headers::header, maxRequestBytes,
                new WatchOutbox.Transport() {
                    @Override
                    public boolean writeQueueFull() {
                        return call.writeQueueFull();
                    }

                    @Override
                    public void drainHandler(Runnable handler) {
                        call.drainHandler(v -> handler.run());
                    }

                    @Override
                    public void write(WatchResponse r) {
                        call.write(r);
                    }

                    @Override
                    public void pauseInput() {
                        call.pause();
                    }

                    @Override
                    public void resumeInput() {
                        call.resume();
                    }
                });
        io.vertcd.server.auth.Caller caller = call.caller();
        WatchSession session = watches.get().open(out,
                req -> auth.watchRefusal(caller, req.getKey().toByteArray(), req.getRangeEnd().toByteArray()));
        boolean[] ended = new boolean[1];
        Runnable end = () -> {
            if (!ended[0]) {
                ended[0] = true;
                session.close();
                out.close();
            }
        };
        call.handler(session::request);
        call.endHandler(v -> {
            boolean first = !ended[0];
            end.run();
            if (first) {
                call.end();
            }
        });
        call.closeHandler(v -> end.run());
    }
}
