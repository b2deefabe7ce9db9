package io.vertcd.server;

import com.google.protobuf.Message;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A small gRPC client for etcd's services over a real socket (h2c with prior knowledge, like etcdctl). */
final class TestGrpcClient implements AutoCloseable {
    /** What a unary call returned: a status, its message, and the response when the status is OK. */
    record Result<T>(GrpcStatus status, String message, T response) {
    }

    private final GrpcClient client;
    private final SocketAddress server;
    private final Context context;

    TestGrpcClient(Vertx vertx, int port) {
        this.client = GrpcClient.client(vertx, new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
        this.server = SocketAddress.inetSocketAddress(port, "127.0.0.1");
        this.context = vertx.getOrCreateContext();
    }

    /** Calls {@code etcdserverpb.<service>/<method>} and waits (up to 20 s) for the outcome. */
    <Req extends Message, Resp extends Message> Result<Resp> call(String service, String method, Req request,
            Resp responsePrototype) throws Exception {
        return call(service, method, request, responsePrototype, Map.of());
    }

    /** As {@link #call(String, String, Message, Message)}, sending {@code metadata} as request headers. */
    <Req extends Message, Resp extends Message> Result<Resp> call(String service, String method, Req request,
            Resp responsePrototype, Map<String, String> metadata) throws Exception {
        return callAsync(ServiceName.create("etcdserverpb", service), method, request, responsePrototype, metadata)
                .await(20, TimeUnit.SECONDS);
    }

    /** Calls {@code <service>/<method>} of any package (v3lockpb.Lock, v3electionpb.Election) without waiting. */
    <Req extends Message, Resp extends Message> Future<Result<Resp>> callAsync(ServiceName service, String method,
            Req request, Resp responsePrototype) {
        return callAsync(service, method, request, responsePrototype, Map.of());
    }

    /** As {@link #callAsync(ServiceName, String, Message, Message)}, sending {@code metadata} as request headers. */
    <Req extends Message, Resp extends Message> Future<Result<Resp>> callAsync(ServiceName service, String method,
            Req request, Resp responsePrototype, Map<String, String> metadata) {
        return streamAsync(service, method, List.of(request), responsePrototype, metadata)
                .map(r -> new Result<>(r.status(), r.message(), r.responses().isEmpty() ? null
                        : r.responses().get(r.responses().size() - 1)));
    }

    /** What a streaming call returned: a status, its message, and every response received. */
    record StreamResult<T>(GrpcStatus status, String message, List<T> responses) {
    }

    /**
     * Sends {@code requests} on one call, half-closes, and completes when the server ends the call
     * (bidirectional streams such as Lease/LeaseKeepAlive; unary calls are the one-request case).
     */
    <Req extends Message, Resp extends Message> Future<StreamResult<Resp>> streamAsync(ServiceName service,
            String method, List<Req> requests, Resp responsePrototype) {
        return streamAsync(service, method, requests, responsePrototype, Map.of());
    }

    /** As {@link #streamAsync(ServiceName, String, List, Message)}, sending {@code metadata} as request headers. */
    <Req extends Message, Resp extends Message> Future<StreamResult<Resp>> streamAsync(ServiceName service,
            String method, List<Req> requests, Resp responsePrototype, Map<String, String> metadata) {
        ServiceMethod<Resp, Req> m = ServiceMethod.client(service, method,
                GrpcMessageEncoder.encoder(), io.vertcd.server.api.RequestDecoder.of(responsePrototype)); // deep txns
        // Issue the call from one event-loop context, so the response's events reach the handlers
        // set below in order (from a plain thread they could run before the handlers exist).
        Promise<StreamResult<Resp>> result = Promise.promise();
        context.runOnContext(x -> client.request(server, m).compose(req -> {
            metadata.forEach((k, v) -> req.headers().add(k, v));
            for (int i = 0; i < requests.size() - 1; i++) {
                req.write(requests.get(i));
            }
            return req.send(requests.get(requests.size() - 1));
        }).compose(resp -> {
            Promise<StreamResult<Resp>> p = Promise.promise();
            List<Resp> got = new ArrayList<>();
            resp.handler(got::add);
            resp.exceptionHandler(p::tryFail);
            resp.endHandler(v -> p.tryComplete(new StreamResult<>(resp.status(), resp.statusMessage(), got)));
            return p.future();
        }).onComplete(result));
        return result.future();
    }

    /** Sends {@code payload} as the serialized request of {@code etcdserverpb.<service>/<method>} (bad input tests). */
    Result<io.vertx.core.buffer.Buffer> callRaw(String service, String method, io.vertx.core.buffer.Buffer payload)
            throws Exception {
        ServiceMethod<io.vertx.core.buffer.Buffer, io.vertx.core.buffer.Buffer> m = ServiceMethod.client(
                ServiceName.create("etcdserverpb", service), method, GrpcMessageEncoder.IDENTITY,
                GrpcMessageDecoder.IDENTITY);
        Promise<Result<io.vertx.core.buffer.Buffer>> result = Promise.promise();
        context.runOnContext(x -> client.request(server, m).compose(req -> req.send(payload)).compose(resp -> {
            Promise<Result<io.vertx.core.buffer.Buffer>> p = Promise.promise();
            List<io.vertx.core.buffer.Buffer> got = new ArrayList<>();
            resp.handler(got::add);
            resp.exceptionHandler(p::tryFail);
            resp.endHandler(v -> p.tryComplete(new Result<>(resp.status(), resp.statusMessage(),
                    got.isEmpty() ? null : got.get(0))));
            return p.future();
        }).onComplete(result));
        return result.future().await(20, TimeUnit.SECONDS);
    }

    /** Calls a method that must succeed and returns its response. */
    <Req extends Message, Resp extends Message> Resp ok(String service, String method, Req request, Resp prototype)
            throws Exception {
        Result<Resp> r = call(service, method, request, prototype);
        if (r.status() != GrpcStatus.OK) {
            throw new AssertionError(service + "/" + method + " failed: " + r.status() + " " + r.message());
        }
        return r.response();
    }

    @Override
    public void close() {
        client.close();
    }
}
