package io.vertcd.server.api;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2Headers;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Accepts HTTP/2 requests whose {@code :authority} carries a URL scheme, as grpc-go sends it
 * when a client dials an endpoint such as {@code http://127.0.0.1:2379} through its
 * "passthrough" resolver (etcdctl 3.4 does this for {@code endpoint status} and
 * {@code endpoint hashkv}). etcd's grpc-go server ignores the malformed authority; Vert.x 5
 * rejects the stream with RST_STREAM(PROTOCOL_ERROR). This handler, installed as the HTTP
 * server's connection handler, decorates the connection's HTTP/2 frame listener and rewrites
 * {@code scheme://host:port[/path]} to {@code host:port} before Vert.x parses the headers.
 * Well-formed authorities are left untouched.
 */
public final class AuthorityNormalizer implements Handler<HttpConnection> {

    @Override
    public void handle(HttpConnection connection) {
        if (!(connection instanceof ConnectionBase base)) {
            return;
        }
        Http2ConnectionHandler http2 = base.channel().pipeline().get(Http2ConnectionHandler.class);
        if (http2 == null) {
            return; // HTTP/1.x connection: gRPC is not served there
        }
        Http2FrameListener listener = http2.decoder().frameListener();
        if (!(listener instanceof Decorator)) {
            http2.decoder().frameListener(new Decorator(listener));
        }
    }

    /**
     * @param authority the {@code :authority} pseudo-header value, possibly null
     * @return the authority without a leading {@code scheme://} and trailing path, or the input
     *     unchanged when it has no scheme
     */
    static CharSequence normalize(CharSequence authority) {
        if (authority == null) {
            return null;
        }
        String s = authority.toString();
        int sep = s.indexOf("://");
        if (sep < 0) {
            return authority;
        }
        String rest = s.substring(sep + 3);
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }

    private static final class Decorator extends Http2FrameListenerDecorator {
        Decorator(Http2FrameListener listener) {
            super(listener);
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                                  boolean endOfStream) throws Http2Exception {
            fix(headers);
            super.onHeadersRead(ctx, streamId, headers, padding, endOfStream);
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                                  short weight, boolean exclusive, int padding, boolean endOfStream)
                throws Http2Exception {
            fix(headers);
            super.onHeadersRead(ctx, streamId, headers, streamDependency, weight, exclusive, padding, endOfStream);
        }

        private static void fix(Http2Headers headers) {
            CharSequence authority = headers.authority();
            CharSequence fixed = normalize(authority);
            if (fixed != authority) {
                headers.authority(fixed);
            }
        }
    }
}
