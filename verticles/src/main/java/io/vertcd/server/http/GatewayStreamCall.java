package io.vertcd.server.http;

import com.google.protobuf.InvalidProtocolBufferException;
import io.vertcd.server.api.GrpcErrors;
import io.vertcd.server.api.StreamCall;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.grpc.common.GrpcStatus;
import java.io.IOException;
import java.util.List;

/**
 * A streaming call of the JSON gateway (grpc-gateway v1's stream handlers, runtime/handler.go ForwardResponseStream):
 * requests are the JSON values of the HTTP body, read as they arrive; each response is one chunk
 * {@code {"result": <json>}} followed by a newline, flushed at once. The status line (200) goes out with the first
 * chunk; an error before it becomes the HTTP status of the error with grpc-gateway's stream error body
 * ({@link GatewayJson#streamError}), an error after it one last error chunk.
 *
 * <p>Requests: for a bidirectional method (Watch, LeaseKeepAlive) every value is a request; a first value that does not
 * parse fails the call as etcd's gateway does ({@code 500}, code 2, before any response); a later one ends the input
 * as the end of the body does. For a server-streaming method (Observe) the first value is the only request (a
 * body without one is the empty request); one that does not parse is {@code 400}, code 3. Reading pauses with
 * {@link #pause()} (TCP or HTTP/2 flow control then holds the client); at most one chunk of the body and one value
 * of at most {@code maxValueBytes} are held.
 *
 * @param <Req> the request message
 * @param <Resp> the response message
 */
final class GatewayStreamCall<Req, Resp> implements StreamCall<Req, Resp> {
    /** How a method's messages are read and written. */
    interface Codec<Req, Resp> {
        /** @return the request a JSON value holds */
        Req parse(String json) throws InvalidProtocolBufferException;

        /** @return the response as JSON */
        String print(Resp response);
    }

    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final Codec<Req, Resp> codec;
    private final boolean clientStreaming;
    private final boolean passEnd;
    private final JsonValues values;
    private Handler<Req> handler;
    private Handler<Void> endHandler;
    private Handler<Void> closeHandler;
    private boolean started;
    private boolean inputDone;
    private boolean sentHeaders;
    private boolean finished;
    private boolean closed;

    /**
     * @param request the HTTP request
     * @param codec the method's JSON
     * @param clientStreaming true for Watch and LeaseKeepAlive, false for Observe
     * @param passEnd whether the end of the body ends the input for the service ({@link #endHandler}); etcd's
     *     watch server keeps a stream open after the client has half-closed it (v3rpc/watch.go recvLoop returns
     *     nil on EOF), so the gateway's watch does not pass it on
     * @param maxValueBytes the largest JSON value read
     */
    GatewayStreamCall(HttpServerRequest request, Codec<Req, Resp> codec, boolean clientStreaming, boolean passEnd,
            int maxValueBytes) {
        this.request = request;
        this.response = request.response();
        this.codec = codec;
        this.clientStreaming = clientStreaming;
        this.passEnd = passEnd;
        this.values = new JsonValues(maxValueBytes);
        response.closeHandler(v -> closed());
        response.exceptionHandler(e -> closed());
        request.exceptionHandler(e -> closed());
    }

    /** Starts reading the body; call once the service has set its handlers. */
    void start() {
        request.handler(this::onChunk);
        request.endHandler(v -> onBodyEnd());
        request.resume();
    }

    private void closed() {
        if (!closed) {
            closed = true;
            finished = true;
            if (closeHandler != null) {
                closeHandler.handle(null);
            }
        }
    }

    private void onChunk(Buffer chunk) {
        if (inputDone) {
            return;
        }
        try {
            deliver(values.feed(chunk));
        } catch (IOException e) {
            onBadInput(e);
        }
    }

    private void onBodyEnd() {
        if (inputDone) {
            return;
        }
        try {
            deliver(values.end());
        } catch (IOException e) {
            onBadInput(e);
            return;
        }
        if (!inputDone && !started && !clientStreaming) {
            started = true;
            deliverOne(codecDefault());
        }
        endInput();
    }

    private Req codecDefault() {
        try {
            return codec.parse("null");
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private void deliver(List<String> jsons) {
        for (String json : jsons) {
            if (inputDone || finished) {
                return;
            }
            Req r;
            try {
                r = codec.parse(json);
            } catch (InvalidProtocolBufferException e) {
                onBadInput(e);
                return;
            }
            boolean first = !started;
            started = true;
            deliverOne(r);
            if (first && !clientStreaming) {
                inputDone = true; // a server stream reads one request
                return;
            }
        }
    }

    private void deliverOne(Req r) {
        if (handler != null) {
            handler.handle(r);
        }
    }

    private void onBadInput(IOException e) {
        String message = String.valueOf(e.getMessage());
        if (!started) {
            inputDone = true;
            finished = true;
            // the gateway's own decode error: a plain Go error (UNKNOWN) for a bidirectional stream, InvalidArgument
            // for a server stream's request
            GrpcStatus status = clientStreaming ? GrpcStatus.UNKNOWN : GrpcStatus.INVALID_ARGUMENT;
            response.setStatusCode(GatewayJson.httpStatus(status)).putHeader("Content-Type", "application/json")
                    .end(GatewayJson.error(status, message));
            if (closeHandler != null) {
                closeHandler.handle(null);
            }
            return;
        }
        endInput();
    }

    private void endInput() {
        if (inputDone) {
            return;
        }
        inputDone = true;
        if (passEnd && endHandler != null && !finished) {
            endHandler.handle(null);
        }
    }

    private void sendHeaders() {
        if (!sentHeaders) {
            sentHeaders = true;
            response.setStatusCode(200).putHeader("Content-Type", "application/json")
                    .putHeader("Grpc-Metadata-Content-Type", "application/grpc");
            if (request.version() != HttpVersion.HTTP_2) {
                response.setChunked(true);
            }
        }
    }

    @Override
    public void handler(Handler<Req> handler) {
        this.handler = handler;
    }

    @Override
    public void endHandler(Handler<Void> handler) {
        this.endHandler = handler;
    }

    @Override
    public void closeHandler(Handler<Void> handler) {
        this.closeHandler = handler;
    }

    @Override
    public void pause() {
        request.pause();
    }

    @Override
    public void resume() {
        if (!inputDone) {
            request.resume();
        }
    }

    @Override
    public void write(Resp r) {
        if (finished) {
            return;
        }
        sendHeaders();
        response.write(GatewayJson.result(codec.print(r)) + "\n");
    }

    @Override
    public boolean writeQueueFull() {
        return !finished && response.writeQueueFull();
    }

    @Override
    public void drainHandler(Handler<Void> handler) {
        response.drainHandler(handler);
    }

    @Override
    public void end() {
        if (finished) {
            return;
        }
        finished = true;
        sendHeaders();
        response.end();
    }

    @Override
    public void fail(Throwable error) {
        if (finished) {
            return;
        }
        finished = true;
        GrpcErrors.Failure f = GrpcErrors.of(error);
        String chunk = GatewayJson.streamError(f.status(), f.message());
        if (!sentHeaders) {
            sentHeaders = true;
            response.setStatusCode(GatewayJson.httpStatus(f.status())).putHeader("Content-Type", "application/json");
        }
        response.end(chunk);
    }

    @Override
    public io.vertcd.server.auth.Caller caller() {
        return Gateway.caller(request);
    }
}
