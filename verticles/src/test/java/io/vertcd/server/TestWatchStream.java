package io.vertcd.server;

import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** One etcdserverpb.Watch/Watch call over a real socket; responses are queued for the test thread. */
final class TestWatchStream implements AutoCloseable {
    static final ServiceMethod<WatchResponse, WatchRequest> METHOD = ServiceMethod.client(
            ServiceName.create("etcdserverpb", "Watch"), "Watch", GrpcMessageEncoder.encoder(),
            GrpcMessageDecoder.decoder(WatchResponse.getDefaultInstance()));

    private final GrpcClient client;
    private final Context context;
    private final GrpcClientRequest<WatchRequest, WatchResponse> request;
    private final LinkedBlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
    private volatile boolean ended;

    TestWatchStream(Vertx vertx, int port) throws Exception {
        client = GrpcClient.client(vertx, new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
        context = vertx.getOrCreateContext();
        Promise<GrpcClientRequest<WatchRequest, WatchResponse>> p = Promise.promise();
        context.runOnContext(v -> client.request(SocketAddress.inetSocketAddress(port, "127.0.0.1"), METHOD)
                .onSuccess(req -> {
                    req.response().onSuccess(resp -> {
                        resp.handler(responses::add);
                        resp.endHandler(x -> ended = true);
                        resp.exceptionHandler(x -> ended = true);
                    });
                    p.complete(req);
                }).onFailure(p::fail));
        request = p.future().await(20, TimeUnit.SECONDS);
    }

    void send(WatchRequest r) {
        context.runOnContext(v -> request.write(r));
    }

    /** @return the next response; fails after 20 s */
    WatchResponse next() throws InterruptedException {
        WatchResponse r = responses.poll(20, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no watch response within 20 s");
        }
        return r;
    }

    boolean ended() {
        return ended;
    }

    /** Half-closes the call. */
    void end() {
        context.runOnContext(v -> request.end());
    }

    /** Closes the client's connection without cancelling the call first. */
    void closeConnection() {
        client.close();
    }

    @Override
    public void close() {
        context.runOnContext(v -> request.cancel());
        client.close();
    }
}
