package io.vertcd.server.http;

import io.vertcd.server.auth.Caller;
import io.vertcd.server.tls.ClientCertificates;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.vertcd.server.api.ClientMethods;
import io.vertcd.server.api.GrpcErrors;
import io.vertcd.statemachine.EtcdException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.grpc.common.GrpcStatus;
import java.io.IOException;
import java.util.List;

/**
 * etcd's gRPC gateway on the client port (etcd 3.4 embed/serve.go registerGateway; grpc-gateway v1): {@code POST
 * /v3/...} (and {@code /v3beta/...}) with a JSON request calls the gRPC method of {@link GatewayPaths} through the
 * same handler object gRPC calls ({@link ClientMethods}), and answers its response as JSON ({@link GatewayJson}).
 *
 * <p>Unary methods: the body's first JSON value is the request (an empty body is the empty request; what follows
 * it is ignored, as Go's decoder reads one value). Answers:
 * <ul>
 *   <li>200 with the response; {@code Content-Type: application/json}, {@code Grpc-Metadata-Content-Type:
 *       application/grpc};</li>
 *   <li>a body that is not JSON of the request message (invalid JSON, wrong types, bad base64): 400
 *       {@code {"error": ..., "message": ..., "code": 3}} (the text is protobuf-java-util's or Jackson's, not Go's,
 *       except {@code unexpected EOF}); unknown fields are ignored, as etcd's gateway ignores them;</li>
 *   <li>a request larger than the gRPC limit ({@code --max-request-bytes} + 512 KiB): 429, code 8, {@code grpc:
 *       received message larger than max (N vs. M)}, N the request's protobuf size; a JSON value longer than
 *       {@value #BODY_FACTOR} times the limit is not read further and N is then the bytes read;</li>
 *   <li>a failed call: the HTTP status grpc-gateway maps from its gRPC code ({@link GatewayJson#httpStatus}) with the
 *       error body; a method vertcd does not serve (Auth today): 501, code 12, grpc-go's {@code unknown service ...}
 *       / {@code unknown method ...} text;</li>
 *   <li>a path the gateway does not have: 404 {@code Not Found}; another HTTP method on a gateway path: 405
 *       {@code Method Not Allowed} (plain text, as Go's http.Error).</li>
 * </ul>
 *
 * <p>Streams ({@code /v3/watch}, {@code /v3/lease/keepalive}, {@code /v3/election/observe}): see
 * {@link GatewayStreamCall}. The caller's token is the {@code Authorization} header ({@link #caller}), as etcd's
 * gateway forwards it in the gRPC metadata etcd's auth reads ({@code authorization}).
 */
public final class Gateway {
    /** How many times the gRPC request limit a JSON value may be (base64 is 4/3 of the bytes, field names more). */
    public static final int BODY_FACTOR = 4;

    private final ClientMethods methods;
    private final int maxMessageBytes;
    private final int maxValueBytes;

    /**
     * @param methods the client port's methods
     * @param maxMessageBytes the gRPC server's request limit ({@code --max-request-bytes} + 512 KiB)
     */
    public Gateway(ClientMethods methods, int maxMessageBytes) {
        this.methods = methods;
        this.maxMessageBytes = maxMessageBytes;
        this.maxValueBytes = (int) Math.min(Integer.MAX_VALUE - 8L, (long) BODY_FACTOR * maxMessageBytes);
    }

    /** Mounts {@code /v3/*} and {@code /v3beta/*} on {@code router}. */
    public void mount(Router router) {
        router.route("/v3/*").handler(this::handle);
        router.route("/v3beta/*").handler(this::handle);
    }

    /**
     * The one place the gateway reads the caller's credentials: etcd's gateway passes the {@code Authorization}
     * header on as gRPC metadata {@code authorization}, which etcd's auth store reads as the token
     * (auth/store.go AuthInfoFromCtx, rpctypes.TokenFieldNameSwagger); over TLS, the client certificate's Common
     * Name.
     *
     * @return who presents itself
     */
    static Caller caller(HttpServerRequest request) {
        return Caller.fromHeaders(request.headers(), ClientCertificates.commonName(request.connection()));
    }

    private void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        GatewayPaths.Target target = GatewayPaths.target(request.path());
        if (target == null) {
            plain(request.response(), 404, "Not Found");
            return;
        }
        if (request.method() != HttpMethod.POST) {
            plain(request.response(), 405, "Method Not Allowed");
            return;
        }
        ClientMethods.Unary unary = methods.unary(target.service(), target.method());
        if (unary != null) {
            unary(request, unary);
            return;
        }
        ClientMethods.Stream stream = methods.stream(target.service(), target.method());
        if (stream != null) {
            stream(request, stream, !target.serverStreaming());
            return;
        }
        error(request.response(), GrpcStatus.UNIMPLEMENTED, methods.unimplemented(target.service(), target.method()));
    }

    private static void plain(HttpServerResponse response, int status, String text) {
        response.setStatusCode(status).putHeader("Content-Type", "text/plain; charset=utf-8")
                .putHeader("X-Content-Type-Options", "nosniff").end(text + "\n");
    }

    private static void error(HttpServerResponse response, GrpcStatus status, String message) {
        if (!response.ended()) {
            response.setStatusCode(GatewayJson.httpStatus(status)).putHeader("Content-Type", "application/json")
                    .end(GatewayJson.error(status, message));
        }
    }

    private String tooLarge(long size) {
        return "grpc: received message larger than max (" + size + " vs. " + maxMessageBytes + ")";
    }

    private void unary(HttpServerRequest request, ClientMethods.Unary m) {
        JsonValues values = new JsonValues(maxValueBytes);
        boolean[] done = {false};
        boolean[] cancelled = {false};
        request.response().closeHandler(v -> cancelled[0] = true);
        request.exceptionHandler(e -> cancelled[0] = true);
        request.handler(chunk -> {
            if (done[0]) {
                return; // what follows the first value is ignored
            }
            try {
                List<String> found = values.feed(chunk);
                if (!found.isEmpty()) {
                    done[0] = true;
                    call(request, m, found.get(0), cancelled);
                }
            } catch (IOException e) {
                done[0] = true;
                badBody(request, e);
            }
        });
        request.endHandler(v -> {
            if (done[0]) {
                return;
            }
            done[0] = true;
            try {
                List<String> found = values.end();
                call(request, m, found.isEmpty() ? "null" : found.get(0), cancelled);
            } catch (IOException e) {
                badBody(request, e);
            }
        });
    }

    private void badBody(HttpServerRequest request, IOException e) {
        if (e instanceof JsonValues.TooLarge t) {
            error(request.response(), GrpcStatus.RESOURCE_EXHAUSTED, tooLarge(t.size));
            if (request.version() != HttpVersion.HTTP_2) {
                request.connection().close(); // the rest of the body is not read
            } else {
                request.response().reset();
            }
            return;
        }
        error(request.response(), GrpcStatus.INVALID_ARGUMENT, String.valueOf(e.getMessage()));
    }

    private void call(HttpServerRequest request, ClientMethods.Unary m, String json, boolean[] cancelled) {
        HttpServerResponse response = request.response();
        Message req;
        try {
            req = GatewayJson.parse(json, m.prototype());
        } catch (InvalidProtocolBufferException e) {
            error(response, GrpcStatus.INVALID_ARGUMENT, String.valueOf(e.getMessage()));
            return;
        }
        int size = req.getSerializedSize();
        if (size > maxMessageBytes) {
            error(response, GrpcStatus.RESOURCE_EXHAUSTED, tooLarge(size));
            return;
        }
        methods.invoke(m, req, caller(request), false, () -> cancelled[0]).onComplete(ar -> {
            if (cancelled[0] || response.ended()) {
                return;
            }
            if (ar.succeeded()) {
                response.setStatusCode(200).putHeader("Content-Type", "application/json")
                        .putHeader("Grpc-Metadata-Content-Type", "application/grpc")
                        .end(GatewayJson.print(ar.result()));
            } else {
                GrpcErrors.Failure f = GrpcErrors.of(ar.cause());
                error(response, f.status(), f.message());
            }
        });
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void stream(HttpServerRequest request, ClientMethods.Stream m, boolean clientStreaming) {
        EtcdException refused = methods.streamRefusal();
        if (refused != null) {
            GrpcErrors.Failure f = GrpcErrors.of(refused);
            error(request.response(), f.status(), f.message());
            return;
        }
        request.pause();
        boolean watch = m.prototype() instanceof WatchRequest;
        GatewayStreamCall.Codec codec = watch ? WATCH : new GatewayStreamCall.Codec<Message, Message>() {
            @Override
            public Message parse(String json) throws InvalidProtocolBufferException {
                return GatewayJson.parse(json, m.prototype());
            }

            @Override
            public String print(Message response) {
                return GatewayJson.print(response);
            }
        };
        GatewayStreamCall call = new GatewayStreamCall(request, codec, clientStreaming, !watch, maxValueBytes);
        m.handler().handle(call);
        call.start();
    }

    /** Watch's JSON has etcd 3.5's fields that jetcd's classes lack. */
    private static final GatewayStreamCall.Codec<WatchRequest, WatchResponse> WATCH = new GatewayStreamCall.Codec<>() {
        @Override
        public WatchRequest parse(String json) throws InvalidProtocolBufferException {
            return GatewayJson.watchRequest(json);
        }

        @Override
        public String print(WatchResponse response) {
            return GatewayJson.watchResponse(response);
        }
    };
}
