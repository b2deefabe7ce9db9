package io.vertcd.server.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.common.GrpcStatus;

/**
 * The JSON of etcd's gateway (grpc-gateway v1 as etcd 3.4 configures it, runtime.JSONPb{OrigName: true}) with
 * protobuf-java-util's {@link JsonFormat}: proto field names, 64-bit integers as strings, bytes as base64, enums by
 * name, default values omitted. Requests accept proto or lowerCamel names and ignore unknown fields, as Go's jsonpb
 * does for the gateway (etcd 3.4 answers a request with an unknown field as if it were absent). Errors are
 * grpc-gateway's shapes (runtime/errors.go DefaultHTTPError, handler.go streamChunk).
 */
public final class GatewayJson {
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames()
            .omittingInsignificantWhitespace();
    /**
     * protobuf-java-util's parser nests at most 100 messages (its limit is not settable from outside): a txn nested
     * deeper than about 50 levels, which gRPC accepts up to 128, is refused here as invalid JSON.
     */
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

    private GatewayJson() {
    }

    /** @return {@code m} as the gateway's JSON */
    public static String print(MessageOrBuilder m) {
        try {
            return PRINTER.print(m);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print " + m.getClass().getSimpleName(), e);
        }
    }

    /**
     * @param json one JSON value; {@code null} gives the default message, as Go's decoder does
     * @param prototype the message's default instance
     * @return the message
     * @throws InvalidProtocolBufferException if the JSON is no such message (wrong types, bad base64, ...)
     */
    @SuppressWarnings("unchecked")
    public static <T extends Message> T parse(String json, T prototype) throws InvalidProtocolBufferException {
        if ("null".equals(json.strip())) {
            return prototype;
        }
        Message.Builder b = prototype.newBuilderForType();
        try {
            PARSER.merge(json, b);
        } catch (InvalidProtocolBufferException | RuntimeException e) { // Gson throws its own for some input
            String go = GoJsonErrors.base64(json, prototype.getDescriptorForType());
            throw new InvalidProtocolBufferException(go != null ? go : String.valueOf(e.getMessage()));
        }
        // JsonFormat also takes unpadded and URL-safe base64, which Go's standard decoder refuses
        String go = GoJsonErrors.base64(json, prototype.getDescriptorForType());
        if (go != null) {
            throw new InvalidProtocolBufferException(go);
        }
        return (T) b.build();
    }

    /**
     * A WatchRequest from JSON, with etcd 3.5's fields ({@code watch_id}, {@code fragment}) that jetcd's classes carry
     * as unknown fields (through {@code io.vertcd.server.watch.pb}).
     */
    public static WatchRequest watchRequest(String json) throws InvalidProtocolBufferException {
        io.vertcd.server.watch.pb.WatchRequest r = parse(json, io.vertcd.server.watch.pb.WatchRequest.getDefaultInstance());
        return WatchRequest.parseFrom(r.toByteString());
    }

    /** @return a WatchResponse as JSON, its {@code fragment} field included */
    public static String watchResponse(WatchResponse r) {
        try {
            return print(io.vertcd.server.watch.pb.WatchResponse.parseFrom(r.toByteString()));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print a WatchResponse", e);
        }
    }

    /** @return one chunk of a stream: {@code {"result": <json>}} */
    public static String result(String json) {
        return "{\"result\":" + json + "}";
    }

    /**
     * grpc-gateway runtime.HTTPStatusFromCode.
     *
     * @return the HTTP status for a gRPC status
     */
    public static int httpStatus(GrpcStatus status) {
        return switch (status) {
            case OK -> 200;
            case CANCELLED -> 408;
            case INVALID_ARGUMENT, OUT_OF_RANGE -> 400;
            case DEADLINE_EXCEEDED -> 504;
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS, ABORTED -> 409;
            case PERMISSION_DENIED -> 403;
            case UNAUTHENTICATED -> 401;
            case RESOURCE_EXHAUSTED -> 429;
            case FAILED_PRECONDITION -> 412;
            case UNIMPLEMENTED -> 501;
            case UNAVAILABLE -> 503;
            default -> 500;
        };
    }

    /** @return grpc-gateway's error body: {@code {"error": message, "message": message, "code": N}} */
    public static String error(GrpcStatus status, String message) {
        return new JsonObject().put("error", message).put("message", message).put("code", status.code).encode();
    }

    /**
     * @return grpc-gateway's error chunk of a stream: {@code {"error": {"grpc_code": N, "http_code": N,
     *     "message": ..., "http_status": ...}}}
     */
    public static String streamError(GrpcStatus status, String message) {
        int http = httpStatus(status);
        return new JsonObject().put("error", new JsonObject().put("grpc_code", status.code).put("http_code", http)
                .put("message", message).put("http_status", HttpResponseStatus.valueOf(http).reasonPhrase())).encode();
    }
}
