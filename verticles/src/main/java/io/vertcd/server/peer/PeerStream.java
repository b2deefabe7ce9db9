package io.vertcd.server.peer;

import com.google.protobuf.Empty;
import io.vertcd.raft.pb.Message;
import io.vertcd.raft.pb.MessageBatch;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.client.GrpcClientResponse;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound half of the link to one peer: a bounded queue of Raft messages and one long-lived
 * client-streaming {@code vertcd.raft.Peer/Send} call (vertx-grpc client, HTTP/2 cleartext with prior
 * knowledge) on which queued messages are written as {@code MessageBatch} messages, each carrying the
 * cluster ID, without waiting for acknowledgements (pipelining; the call's write queue and HTTP/2 flow
 * control bound what is in flight: while the write queue is full nothing more is written, the drain
 * resumes writing). Confined to the transport's context; never blocks.
 *
 * <p>Queue full ({@link PeerTransportOptions#maxQueuedMessages()} messages waiting): the new message is
 * dropped and the peer reported unreachable (etcd rafthttp/peer.go send). Stream failure (connection
 * refused or lost, stream reset, or the receiver ending the call, e.g. FAILED_PRECONDITION "cluster ID
 * mismatch"): messages written on it are lost (Raft retransmits), the failure is logged, the peer is
 * reported unreachable and the call is reopened after an exponential {@link Backoff}; queued messages
 * wait meanwhile.
 */
final class PeerStream {
    private static final Logger LOG = LoggerFactory.getLogger(PeerStream.class);

    private final Vertx vertx;
    private final Context context;
    private final GrpcClient client;
    private final long localId;
    private final long peerId;
    private final long clusterId;
    private final String host;
    private final int port;
    private final PeerTransportOptions options;
    private final PeerListener listener;
    private final ArrayDeque<Message> queue = new ArrayDeque<>();
    private final Backoff backoff;

    private GrpcClientRequest<MessageBatch, Empty> stream;
    private boolean connecting;
    private long retryTimer = -1;
    private long openedAtNanos;
    private boolean closed;
    private long dropped;
    private long sentBatches;

    /**
     * {@code client} is the transport's gRPC client (h2c with prior knowledge), used on {@code context};
     * {@code host} and {@code port} are those of the peer's advertised peer URL.
     */
    PeerStream(Vertx vertx, Context context, GrpcClient client, long localId, long peerId, long clusterId,
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

    /**
     * Queues a message and writes what the stream can take; opens the call when none is open. When
     * {@link PeerTransportOptions#maxQueuedMessages()} messages already wait, the message is dropped
     * (counted in {@link #dropped()}) and the peer reported unreachable. No-op after {@link #close()}.
     */
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

    /** @return MessageBatch messages written, since creation */
    long sentBatches() {
        return sentBatches;
    }

    /**
     * Writes queued messages as batches of at most {@link PeerTransportOptions#maxBatchMessages()}
     * messages and about {@link PeerTransportOptions#maxBatchBytes()} bytes, until the queue is empty
     * or the call's write queue is full (the drain handler calls back).
     */
    private void flush() {
        if (stream == null) {
            connect();
            return;
        }
        GrpcClientRequest<MessageBatch, Empty> s = stream;
        while (!queue.isEmpty() && !s.writeQueueFull()) {
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
            try {
                s.write(batch.build());
            } catch (IllegalStateException e) {
                // the call already failed (reset, cancelled) and its handlers have not run yet
                failed(s, e);
                return;
            }
            sentBatches++;
        }
    }

    private void connect() {
        if (connecting || retryTimer != -1 || closed) {
            return;
        }
        connecting = true;
        client.request(SocketAddress.inetSocketAddress(port, host), PeerCall.SEND.clientMethod).onComplete(ar -> {
            connecting = false;
            if (ar.failed()) {
                failed(null, ar.cause());
                return;
            }
            GrpcClientRequest<MessageBatch, Empty> req = ar.result();
            if (closed) {
                req.cancel();
                return;
            }
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
                GrpcClientResponse<MessageBatch, Empty> resp = rar.result();
                resp.end().onComplete(e -> failed(req, resp.status() == null && e.failed() ? e.cause()
                        : new IllegalStateException("peer ended the stream: " + status(resp))));
            });
            stream = req;
            openedAtNanos = System.nanoTime();
            LOG.debug("{} -> {}: stream open", Long.toHexString(localId), Long.toHexString(peerId));
            flush();
        });
    }

    /** @return the ended call's gRPC status and message, e.g. "FAILED_PRECONDITION cluster ID mismatch" */
    private static String status(GrpcClientResponse<MessageBatch, Empty> resp) {
        String msg = statusMessage(resp);
        return resp.status().name() + (msg.isEmpty() ? "" : " " + msg);
    }

    /** @return an ended call's grpc-message, from its headers (trailers-only answer) or trailers; "" if none */
    static String statusMessage(GrpcClientResponse<?, ?> resp) {
        String msg = resp.statusMessage(); // only read from headers (a trailers-only answer)
        if (msg == null && resp.trailers() != null) {
            msg = resp.trailers().get("grpc-message");
        }
        return msg == null ? "" : msg;
    }

    private void failed(GrpcClientRequest<MessageBatch, Empty> req, Throwable cause) {
        if (req != null && req != stream) {
            return; // a stale stream's late event
        }
        if (req != null) {
            stream = null;
            req.cancel();
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

    /** Ends the call (half-close) and drops queued messages; no reconnection afterwards. */
    void close() {
        closed = true;
        queue.clear();
        if (retryTimer != -1) {
            vertx.cancelTimer(retryTimer);
            retryTimer = -1;
        }
        if (stream != null) {
            GrpcClientRequest<MessageBatch, Empty> s = stream;
            stream = null;
            try {
                s.end();
            } catch (IllegalStateException e) {
                s.cancel(); // the call had already failed
            }
        }
    }
}
