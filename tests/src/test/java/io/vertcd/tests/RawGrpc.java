package io.vertcd.tests;

import com.google.protobuf.Message;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC call made by hand over one HTTP/2 cleartext connection with prior knowledge (Vert.x's
 * HttpClient, no gRPC library in between): the request is one length-prefixed message, the answer's
 * HTTP/2 header and trailer fields are returned as they came off the wire (HPACK-decoded, nothing
 * else: no percent-decoding). The JDK's HttpClient cannot do this: over {@code http://} it only
 * offers HTTP/2 by an HTTP/1.1 Upgrade, which gRPC servers do not answer, and it does not expose
 * trailers.
 */
final class RawGrpc implements AutoCloseable {
    /** One answer: where the gRPC status came and the header fields of each HEADERS block. */
    record Answer(int httpStatus, List<Map.Entry<String, String>> headers, List<Map.Entry<String, String>> trailers) {
        /** @return true if the status came in the response headers (a trailers-only answer, END_STREAM on HEADERS) */
        boolean trailersOnly() {
            return value(headers, "grpc-status") != null;
        }

        /** @return grpc-status as sent */
        String grpcStatus() {
            return trailersOnly() ? value(headers, "grpc-status") : value(trailers, "grpc-status");
        }

        /** @return every grpc-message field as sent (normally one) */
        List<String> grpcMessages() {
            List<String> out = new ArrayList<>();
            for (Map.Entry<String, String> e : trailersOnly() ? headers : trailers) {
                if (e.getKey().equalsIgnoreCase("grpc-message")) {
                    out.add(e.getValue());
                }
            }
            return out;
        }

        private static String value(List<Map.Entry<String, String>> fields, String name) {
            for (Map.Entry<String, String> e : fields) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue();
                }
            }
            return null;
        }
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpClient client;
    private final URI url;

    /** @param clientUrl the member's client URL, {@code http://host:port} */
    RawGrpc(String clientUrl) {
        this.url = URI.create(clientUrl);
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false)); // prior knowledge, as grpc clients speak h2c
    }

    /**
     * @param path e.g. {@code /etcdserverpb.KV/Range}
     * @param request the request message
     * @return the answer; fails after 30 s
     */
    Answer call(String path, Message request) throws Exception {
        byte[] body = request.toByteArray();
        Buffer frame = Buffer.buffer().appendByte((byte) 0).appendInt(body.length).appendBytes(body);
        return client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(url.getHost())
                        .setPort(url.getPort()).setURI(path))
                .compose(req -> req.putHeader("content-type", "application/grpc").putHeader("te", "trailers")
                        .send(frame))
                .compose(resp -> resp.body().map(b -> answer(resp)))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static Answer answer(HttpClientResponse resp) {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        resp.headers().forEach(e -> headers.add(Map.entry(e.getKey(), e.getValue())));
        List<Map.Entry<String, String>> trailers = new ArrayList<>();
        resp.trailers().forEach(e -> trailers.add(Map.entry(e.getKey(), e.getValue())));
        return new Answer(resp.statusCode(), headers, trailers);
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
