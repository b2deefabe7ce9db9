package io.vertcd.server.peer;

import io.vertcd.raft.pb.Message;
import io.vertcd.raft.pb.MessageBatch;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound half of the link to one peer: a bounded queue of Raft messages and one long-lived
 * {@code vertcd.raft.Peer/Send} call on which queued messages are written as {@code MessageBatch}
 * frames, without waiting for acknowledgements (pipelining; HTTP/2 flow control bounds what is in
 * flight). Confined to the transport's context.
 *
 * <p>Queue full: the new message is dropped and the peer reported unreachable (etcd
 * rafthttp/peer.go send). Stream failure: messages written on it are lost (Raft retransmits), the
 * peer is reported unreachable and the call is reopened after an exponential {@link Backoff}; queued
 * messages wait meanwhile.
 */
final class PeerStream {
    private static final Logger LOG = LoggerFactory.getLogger(PeerStream.class);

    private final Vertx vertx;
    private final Context context;
    private final HttpClientAgent client;
    private final long localId;
    private final long peerId;
    private final long clusterId;
    private final String host;
    private final int port;
    private final PeerTransportOptions options;
    private final PeerListener listener;
    private final ArrayDeque<Message> queue = new ArrayDeque<>();
    private final Backoff backoff;

    private HttpClientRequest stream;
    private boolean connecting;
    private long retryTimer = -1;
    private long openedAtNanos;
    private boolean closed;
    private long dropped;
    private long sentBatches;

    PeerStream(Vertx vertx, Context context, HttpClientAgent client, long localId, long peerId, long clusterId,
               String host, int port, PeerTransportOptions options, PeerListener listener) {
        this.vertx = vertx;
        this.context = context;
        this.client = client;
        this.localId = localId;
        this.peerId = peerId;
        this.clusterId = clusterId;
        this.host = host;
        this.port = port;
        this.options = options;
        this.listener = listener;
        this.backoff = new Backoff(options.backoffInitialMs(), options.backoffMaxMs());
    }

    /** Queues a message (dropping it when the queue is full) and writes what the stream can take. */
    void enqueue(Message m) {
        if (closed) {
            return;
        }
        if (queue.size() >= options.maxQueuedMessages()) {
            dropped++;
            if (dropped == 1 || dropped % 1024 == 0) {
                LOG.warn("dropped {} message(s) to {}: sending queue full ({} messages)", dropped,
                        Long.toHexString(peerId), options.maxQueuedMessages());
            }
            listener.reportUnreachable(peerId);
            return;
        }
        queue.add(m);
        flush();
    }

    /** @return messages dropped because the queue was full, since creation */
    long dropped() {
        return dropped;
    }

    /** @return messages waiting to be written */
    int queued() {
        return queue.size();
    }

    /** @return true while a Send call is open */
    boolean connected() {
        return stream != null;
    }

    /** @return MessageBatch frames written, since creation */
    long sentBatches() {
        return sentBatches;
    }

    private void flush() {
        if (stream == null) {
            connect();
            return;
        }
        while (!queue.isEmpty() && !stream.writeQueueFull()) {
            MessageBatch.Builder batch = MessageBatch.newBuilder().setClusterId(clusterId);
            int bytes = 0;
            while (!queue.isEmpty() && batch.getMessagesCount() < options.maxBatchMessages()) {
                int size = queue.peek().getSerializedSize();
                if (batch.getMessagesCount() > 0 && bytes + size > options.maxBatchBytes()) {
                    break;
                }
                bytes += size;
                batch.addMessages(queue.poll());
            }
            sentBatches++;
            stream.write(PeerWire.grpcFrame(batch.build().toByteArray()));
        }
    }

    private void connect() {
        if (connecting || retryTimer != -1 || closed) {
            return;
        }
        connecting = true;
        RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port)
                .setURI(PeerWire.SEND_PATH)
                .putHeader("content-type", "application/grpc")
                .putHeader("te", "trailers");
        client.request(ro).onComplete(ar -> {
            connecting = false;
            if (ar.failed()) {
                failed(null, ar.cause());
                return;
            }
            HttpClientRequest req = ar.result();
            if (closed) {
                req.reset();
                return;
            }
            req.setChunked(true);
            req.exceptionHandler(t -> failed(req, t));
            req.drainHandler(v -> {
                if (req == stream) {
                    flush();
                }
            });
            req.response().onComplete(rar -> {
                if (rar.failed()) {
                    failed(req, rar.cause());
                    return;
                }
                // The receiver only answers when it ends the call: a refusal, or its shutdown.
                HttpClientResponse resp = rar.result();
                resp.end().onComplete(e -> failed(req, new IllegalStateException("peer ended the stream: "
                        + status(resp.headers(), resp.trailers()))));
            });
            stream = req;
            openedAtNanos = System.nanoTime();
            req.sendHead();
            LOG.debug("{} -> {}: stream open", Long.toHexString(localId), Long.toHexString(peerId));
            flush();
        });
    }

    private static String status(MultiMap headers, MultiMap trailers) {
        String code = trailers.get("grpc-status") != null ? trailers.get("grpc-status") : headers.get("grpc-status");
        String msg = trailers.get("grpc-message") != null ? trailers.get("grpc-message") : headers.get("grpc-message");
        return "grpc-status " + code + (msg == null ? "" : " " + msg);
    }

    private void failed(HttpClientRequest req, Throwable cause) {
        if (req != null && req != stream) {
            return; // a stale stream's late event
        }
        if (req != null) {
            stream = null;
            req.reset();
            if (System.nanoTime() - openedAtNanos > options.backoffMaxMs() * 1_000_000L) {
                backoff.reset(); // the stream lived long: this is a new outage, start over
            }
        }
        if (closed) {
            return;
        }
        long delay = backoff.nextDelayMs();
        LOG.info("{} -> {} ({}:{}): {}; retry in {} ms", Long.toHexString(localId), Long.toHexString(peerId), host,
                port, cause.getMessage(), delay);
        listener.reportUnreachable(peerId);
        retryTimer = vertx.setTimer(delay, id -> context.runOnContext(v -> {
            retryTimer = -1;
            if (!queue.isEmpty()) {
                connect();
            }
        }));
    }

    /** Ends the call and drops queued messages; no reconnection afterwards. */
    void close() {
        closed = true;
        queue.clear();
        if (retryTimer != -1) {
            vertx.cancelTimer(retryTimer);
            retryTimer = -1;
        }
        if (stream != null) {
            HttpClientRequest s = stream;
            stream = null;
            s.end();
        }
    }
}
