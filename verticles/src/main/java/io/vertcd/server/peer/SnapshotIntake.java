package io.vertcd.server.peer;

import io.vertcd.raft.pb.Message;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving end of {@link PeerWire#SNAPSHOT_PATH}: checks the cluster ID (412 "cluster ID
 * mismatch" otherwise), writes the files of the body into a fresh directory under the temp root as
 * chunks arrive (on worker threads, in order; at most {@link #MAX_PENDING_BYTES} bytes waiting, beyond
 * which the request is paused), fsyncs every file and the directory, hands the directory to the
 * {@link SnapshotReceiver} on the transport's context, then answers 204. A malformed or truncated
 * body is answered 400 and its directory deleted.
 */
final class SnapshotIntake implements Handler<HttpServerRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotIntake.class);
    /** Bytes received but not yet written before the request is paused. */
    static final int MAX_PENDING_BYTES = 8 << 20;

    private final Vertx vertx;
    private final Context deliveryContext;
    private final long clusterId;
    private final Path tempRoot;
    private final int maxMessageBytes;
    private final SnapshotReceiver receiver;

    SnapshotIntake(Vertx vertx, Context deliveryContext, long clusterId, Path tempRoot, int maxMessageBytes,
                   SnapshotReceiver receiver) {
        this.vertx = vertx;
        this.deliveryContext = deliveryContext;
        this.clusterId = clusterId;
        this.tempRoot = tempRoot;
        this.maxMessageBytes = maxMessageBytes;
        this.receiver = receiver;
    }

    @Override
    public void handle(HttpServerRequest req) {
        String cid = req.getHeader(PeerWire.CLUSTER_ID_HEADER);
        if (cid == null || !cid.equalsIgnoreCase(Long.toHexString(clusterId))) {
            req.response().setStatusCode(412).end(PeerWire.CLUSTER_ID_MISMATCH);
            return;
        }
        req.pause();
        vertx.executeBlocking(() -> {
            Files.createDirectories(tempRoot);
            return Files.createTempDirectory(tempRoot, "snap-");
        }).onComplete(ar -> {
            if (ar.failed()) {
                LOG.warn("cannot create snapshot directory under {}", tempRoot, ar.cause());
                req.response().setStatusCode(500).end(String.valueOf(ar.cause().getMessage()));
                return;
            }
            new Upload(req, ar.result()).start();
        });
    }

    /** One snapshot being received. Event-loop state; file I/O in ordered worker tasks. */
    private final class Upload implements SnapshotCodec.Sink {
        private final HttpServerRequest req;
        private final Path dir;
        private final SnapshotCodec.Decoder decoder;
        private Message msgSnap;
        private FileChannel current; // touched by worker tasks only, which run one at a time
        private Future<Void> tail = Future.succeededFuture();
        private long pendingBytes;
        private boolean failed;

        Upload(HttpServerRequest req, Path dir) {
            this.req = req;
            this.dir = dir;
            this.decoder = new SnapshotCodec.Decoder(this, maxMessageBytes);
        }

        void start() {
            req.handler(chunk -> {
                if (failed) {
                    return;
                }
                try {
                    decoder.feed(chunk);
                } catch (IllegalArgumentException e) {
                    fail(400, e);
                }
            });
            req.exceptionHandler(t -> fail(400, t));
            req.endHandler(v -> {
                if (failed) {
                    return;
                }
                if (!decoder.complete()) {
                    fail(400, new IllegalArgumentException("snapshot body ended early"));
                    return;
                }
                io(() -> {
                    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                        d.force(true); // the directory entries of the new files
                    }
                    return null;
                });
                tail.onComplete(ar -> {
                    if (ar.failed()) {
                        fail(500, ar.cause());
                        return;
                    }
                    deliveryContext.runOnContext(x -> receiver.onSnapshot(msgSnap, dir));
                    req.response().setStatusCode(204).end();
                });
            });
            req.resume();
        }

        @Override
        public void onHeader(Message m, int fileCount) {
            msgSnap = m;
        }

        @Override
        public void onFileStart(String name, long size) {
            Path target = dir.resolve(name);
            io(() -> {
                Files.createDirectories(target.getParent());
                current = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                return null;
            });
        }

        @Override
        public void onFileData(Buffer chunk) {
            byte[] bytes = chunk.getBytes();
            pendingBytes += bytes.length;
            if (pendingBytes > MAX_PENDING_BYTES) {
                req.pause();
            }
            io(() -> {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    current.write(b);
                }
                return null;
            }).onComplete(ar -> {
                pendingBytes -= bytes.length;
                if (pendingBytes <= MAX_PENDING_BYTES / 2 && !failed) {
                    req.resume();
                }
            });
        }

        @Override
        public void onFileEnd() {
            io(() -> {
                current.force(true);
                current.close();
                current = null;
                return null;
            });
        }

        /** Runs file work after everything queued before it; skipped once a step failed. */
        private Future<Void> io(Callable<Void> work) {
            tail = tail.compose(v -> vertx.executeBlocking(work, false));
            tail.onFailure(t -> fail(500, t));
            return tail;
        }

        private void fail(int status, Throwable cause) {
            if (failed) {
                return;
            }
            failed = true;
            LOG.warn("snapshot from peer refused ({}): {}", status, cause.toString());
            if (!req.response().ended()) {
                req.response().setStatusCode(status).end(String.valueOf(cause.getMessage()));
            }
            // After the file step in progress (if any) has finished.
            tail.<Void>transform(x -> vertx.executeBlocking(() -> {
                if (current != null) {
                    current.close();
                }
                deleteRecursively(dir);
                return null;
            }, false));
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
