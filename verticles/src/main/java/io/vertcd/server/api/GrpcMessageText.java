package io.vertcd.server.api;

import com.google.common.escape.Escaper;
import com.google.common.net.PercentEscaper;

/**
 * The {@code grpc-message} header value for a status message, percent-encoded exactly as the gRPC
 * over HTTP/2 spec says (PROTOCOL-HTTP2.md, "Status-Message"): the message's UTF-8 bytes, each byte
 * outside printable ASCII (below 0x20 or above 0x7E) and {@code %} itself written as {@code %XX}
 * with upper-case hex, every other byte as is. etcd's servers send their errors through grpc-go's
 * {@code encodeGrpcMessage} (internal/transport/http_util.go), which does exactly this, so
 * {@code "etcdserver: key is not provided"} goes out unchanged.
 *
 * <p>vertx-grpc 5.0's own encoding ({@code Utils.utf8PercentEncode}, URL form encoding) also
 * escapes spaces, colons and the like; clients that do not decode the header (Node's grpc-js) then
 * show {@code etcdserver%3A%20...}. {@link GrpcErrors} therefore sets the header itself.
 */
public final class GrpcMessageText {
    /** Printable ASCII except the alphanumerics (always safe for PercentEscaper) and {@code %}. */
    private static final String SAFE = " !\"#$&'()*+,-./:;<=>?@[\\]^_`{|}~";
    private static final Escaper ESCAPER = new PercentEscaper(SAFE, false);

    private GrpcMessageText() {
    }

    /**
     * @param message a status message, any Unicode text
     * @return its {@code grpc-message} header value: printable ASCII only
     */
    public static String encode(String message) {
        return ESCAPER.escape(message);
    }
}
