package io.vertcd.server.http;

import io.vertcd.server.watch.WatchOutbox;
import io.vertcd.server.watch.WatchSession;
import io.vertcd.server.watch.Watches;

import io.vertcd.server.node.ResponseHeaders;
import io.vertcd.server.api.watch.WatchService;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.json.JsonObject;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The watch protocol over a WebSocket on the client port, path {@value #PATH} (the gRPC gateway's
 * path): each text (or binary) frame in is one WatchRequest in protobuf JSON (etcd's gateway field
 * names, e.g. {@code {"create_request": {"key": "Zm9v"}}}; lowerCamel names are accepted too, unknown fields are
 * ignored as by the gateway; {@link GatewayJson}); each
 * frame out is {@code {"result": <WatchResponse JSON>}} with proto field names, bytes as base64 and
 * 64-bit integers as strings, default values omitted. A frame that is not a valid WatchRequest
 * gets {@code {"error": {"grpc_code": 3, "http_code": 400, "message": ..., "http_status":
 * "Bad Request"}}} (grpc-gateway's stream error) and the socket stays open. Closing the socket
 * closes the session. Same bounds and back-pressure as the gRPC stream ({@link WatchOutbox}). The caller's token is
 * the upgrade's {@code token} or {@code Authorization} header, or else its {@code ?token=} query parameter (vertcd's
 * own, for browsers, whose WebSocket cannot set headers).
 */
public final class WatchWebSocket {
    /** The WebSocket path. */
    public static final String PATH = "/v3/watch";
    /** The query parameter that may carry the auth token on the upgrade ({@link #tokenHeaders}). */
    public static final String TOKEN_PARAMETER = "token";

    private final Supplier<Watches> watches;
    private final ResponseHeaders headers;
    private final int maxRequestBytes;
    /** Checks READ on each watched range at creation, with the upgrade request's token ({@link #tokenHeaders}). */
    private final io.vertcd.server.auth.Authenticator auth;

    /** As {@link WatchService#WatchService}. */
    public WatchWebSocket(Supplier<Watches> watches, ResponseHeaders headers, int maxRequestBytes,
            io.vertcd.server.auth.Authenticator auth) {
        this.auth = Objects.requireNonNull(auth, "auth");
        this.watches = Objects.requireNonNull(watches, "watches");
        this.headers = Objects.requireNonNull(headers, "headers");
        this.maxRequestBytes = maxRequestBytes;
    }

    /** Accepts the upgrade on {@value #PATH}, refuses any other path with 404. */
    public void handshake(ServerWebSocketHandshake h) {
        if (PATH.equals(h.path())) {
            h.accept();
        } else {
            h.reject(404);
        }
    }

    /** Serves one accepted WebSocket. */
    public void handle(ServerWebSocket ws) {
        Context loop = Vertx.currentContext();
        WatchOutbox out = new WatchOutbox(loop, WatchOutbox.DEFAULT_CAPACITY, headers::header, maxRequestBytes,
                new WatchOutbox.Transport() {
                    @Override
                    public boolean writeQueueFull() {
                        return ws.writeQueueFull();
                    }

                    @Override
                    public void drainHandler(Runnable handler) {
                        ws.drainHandler(v -> handler.run());
                    }

                    @Override
                    public void write(WatchResponse r) {
                        ws.writeTextMessage(result(r));
                    }

                    @Override
                    public void pauseInput() {
                        ws.pause();
                    }

                    @Override
                    public void resumeInput() {
                        ws.resume();
                    }
                });
        io.vertcd.server.auth.Caller caller = io.vertcd.server.auth.Caller.fromHeaders(tokenHeaders(ws), null);
        WatchSession session = watches.get().open(out,
                req -> auth.watchRefusal(caller, req.getKey().toByteArray(), req.getRangeEnd().toByteArray()));
        ws.textMessageHandler(text -> onFrame(ws, session, text));
        ws.binaryMessageHandler(buf -> onFrame(ws, session, buf.toString()));
        ws.closeHandler(v -> {
            session.close();
            out.close();
        });
        ws.exceptionHandler(e -> {
            session.close();
            out.close();
        });
    }

    /**
     * The upgrade's headers, plus the {@value #TOKEN_PARAMETER} query parameter as the {@code token} header when the
     * upgrade has neither {@code token} nor {@code Authorization}: a browser's WebSocket cannot set headers, so the
     * web console passes its token this way ({@code /v3/watch?token=...}).
     */
    static io.vertx.core.MultiMap tokenHeaders(ServerWebSocket ws) {
        io.vertx.core.MultiMap headers = ws.headers();
        if (headers.contains("token") || headers.contains("Authorization") || ws.query() == null) {
            return headers;
        }
        java.util.List<String> tokens = new io.netty.handler.codec.http.QueryStringDecoder(ws.query(), false)
                .parameters().get(TOKEN_PARAMETER);
        if (tokens == null || tokens.isEmpty()) {
            return headers;
        }
        return io.vertx.core.MultiMap.caseInsensitiveMultiMap().addAll(headers).set("token", tokens.get(0));
    }

    private static void onFrame(ServerWebSocket ws, WatchSession session, String text) {
        WatchRequest request;
        try {
            request = GatewayJson.watchRequest(text);
        } catch (InvalidProtocolBufferException e) {
            ws.writeTextMessage(new JsonObject().put("error", new JsonObject().put("grpc_code", 3)
                    .put("http_code", 400).put("message", String.valueOf(e.getMessage()))
                    .put("http_status", "Bad Request")).encode());
            return;
        }
        session.request(request);
    }

    /** @return {@code {"result": <response as protobuf JSON>}} */
    static String result(WatchResponse r) {
        return GatewayJson.result(GatewayJson.watchResponse(r));
    }
}
