package io.vertcd.server.peer;

import io.vertcd.raft.pb.Message;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams one snapshot to a peer as a {@link PeerWire#SNAPSHOT_PATH} POST in the
 * {@link SnapshotCodec} format, reading each file with a bounded buffer (no file is loaded whole) and
 * respecting HTTP/2 flow control. The outcome is the receiver's answer: 204 once it has stored every
 * file durably and taken the snapshot over.
 */
final class SnapshotSender {
    private final Vertx vertx;
    private final PeerClients clients;
    private final long clusterId;
    private final int chunkBytes;

    SnapshotSender(Vertx vertx, PeerClients clients, long clusterId, int chunkBytes) {
        this.vertx = vertx;
        this.clients = clients;
        this.clusterId = clusterId;
        this.chunkBytes = chunkBytes;
    }

    /**
     * @return succeeds when the receiver answered 204; fails on any I/O error, or a refusal (e.g. 412
     *         "cluster ID mismatch")
     */
    Future<Void> send(java.net.URI peerUrl, Message msgSnap, SnapshotFiles files) {
        return vertx.executeBlocking(() -> {
            List<Long> sizes = new ArrayList<>();
            for (String n : files.names()) {
                sizes.add(Files.size(files.baseDir().resolve(n)));
            }
            return sizes;
        }).compose(sizes -> clients.http(peerUrl).request(new RequestOptions().setMethod(HttpMethod.POST)
                .setHost(peerUrl.getHost()).setPort(peerUrl.getPort())
                .setURI(PeerWire.SNAPSHOT_PATH)
                .putHeader(PeerWire.CLUSTER_ID_HEADER, Long.toHexString(clusterId))
                .putHeader("content-type", "application/octet-stream"))
                .compose(req -> {
                    req.setChunked(true);
                    Future<Void> answer = req.response().compose(resp -> resp.body().compose(body ->
                            resp.statusCode() == 204 ? Future.succeededFuture()
                                    : Future.failedFuture("snapshot refused: " + resp.statusCode() + " " + body)));
                    Future<Void> written = req.write(SnapshotCodec.header(msgSnap, files.names().size()));
                    for (int i = 0; i < files.names().size(); i++) {
                        String name = files.names().get(i);
                        long size = sizes.get(i);
                        written = written.compose(v -> writeFile(req, files.baseDir().resolve(name), name, size));
                    }
                    written.compose(v -> req.end()).onFailure(t -> req.reset(0, t));
                    return Future.all(written, answer).mapEmpty();
                }));
    }

    private Future<Void> writeFile(HttpClientRequest req, Path path, String name, long size) {
        return req.write(SnapshotCodec.fileHeader(name, size)).compose(v -> vertx.fileSystem()
                .open(path.toString(), new OpenOptions().setRead(true).setWrite(false).setCreate(false))
                .compose(file -> pipe(file, req, size).eventually(() -> {
                    // the pipe leaves its drain handler on the request; a later drain must not
                    // resume this file once it is closed
                    req.drainHandler(null);
                    return file.close();
                })));
    }

    private Future<Void> pipe(AsyncFile file, HttpClientRequest req, long size) {
        // Read at most the announced size: a file that grew is cut there; one that shrank leaves the
        // body short, which the receiver refuses (its decoder ends incomplete).
        file.setReadBufferSize(chunkBytes);
        file.setReadLength(size);
        return file.pipe().endOnSuccess(false).to(req);
    }
}
