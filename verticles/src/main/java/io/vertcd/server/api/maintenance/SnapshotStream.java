package io.vertcd.server.api.maintenance;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.SnapshotRequest;
import io.etcd.jetcd.api.SnapshotResponse;
import io.vertcd.server.api.GrpcErrors;
import io.vertcd.server.node.Backups;
import io.vertcd.statemachine.EtcdSnapshotFile;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.grpc.server.GrpcServerRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * One Maintenance.Snapshot stream (etcd 3.4 etcdserver/api/v3rpc/maintenance.go Snapshot): a backup is taken
 * ({@link Backups#save}), then sent in chunks of {@value #CHUNK} bytes, each with {@code remaining_bytes} = the bytes
 * still to come after it, then one last message holding the sha256 of everything sent, with {@code remaining_bytes}
 * 0. Chunks are read on worker threads, one at a time; the next is read only when the stream's write queue has room,
 * so at most one chunk waits in memory per stream. A client that goes away stops the stream; the backup file is
 * deleted either way.
 */
final class SnapshotStream {
    /** etcd snapshotSendBufferSize. */
    static final int CHUNK = 32 * 1024;

    private final GrpcServerRequest<SnapshotRequest, SnapshotResponse> call;
    private final Backups backups;
    private final Context context;
    private final MessageDigest sha = EtcdSnapshotFile.newDigest();
    private Path db;
    private FileChannel file;
    private long total;
    private long sent;
    private boolean done;

    SnapshotStream(GrpcServerRequest<SnapshotRequest, SnapshotResponse> call, Backups backups) {
        this.call = call;
        this.backups = backups;
        this.context = Vertx.currentContext();
    }

    /** Starts once the request arrives. Event loop. */
    void start() {
        call.exceptionHandler(e -> finish());
        call.handler(request -> backups.save().onComplete(ar -> context.runOnContext(v -> {
            if (ar.failed()) {
                if (!done) {
                    done = true;
                    GrpcErrors.fail(call.response(), ar.cause());
                }
                return;
            }
            db = ar.result();
            if (done) {
                finish();
                return;
            }
            next();
        })));
    }

    private void next() {
        context.<byte[]>executeBlocking(() -> {
            if (file == null) {
                file = FileChannel.open(db, StandardOpenOption.READ);
                total = file.size();
            }
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, total - sent));
            while (buf.hasRemaining()) {
                if (file.read(buf, sent + buf.position()) < 0) {
                    throw new IOException("backup " + db + " shrank while being sent");
                }
            }
            return buf.array();
        }, true).onComplete(ar -> {
            if (done) {
                finish();
                return;
            }
            if (ar.failed()) {
                done = true;
                GrpcErrors.fail(call.response(), ar.cause());
                finish();
                return;
            }
            byte[] chunk = ar.result();
            sent += chunk.length;
            sha.update(chunk);
            call.response().write(SnapshotResponse.newBuilder().setRemainingBytes(total - sent)
                    .setBlob(ByteString.copyFrom(chunk)).build());
            if (sent == total) {
                call.response().end(SnapshotResponse.newBuilder().setRemainingBytes(0)
                        .setBlob(ByteString.copyFrom(sha.digest())).build());
                done = true;
                finish();
            } else if (call.response().writeQueueFull()) {
                call.response().drainHandler(d -> next());
            } else {
                next();
            }
        });
    }

    /** Closes and deletes the backup (once). */
    private void finish() {
        done = true;
        if (db == null) {
            return;
        }
        Path toDelete = db;
        FileChannel toClose = file;
        db = null;
        file = null;
        context.executeBlocking(() -> {
            if (toClose != null) {
                toClose.close();
            }
            return null;
        }, true).onComplete(ar -> backups.release(toDelete));
    }

    @Override
    public String toString() {
        return "snapshot stream " + Arrays.asList(db, sent, total);
    }
}
