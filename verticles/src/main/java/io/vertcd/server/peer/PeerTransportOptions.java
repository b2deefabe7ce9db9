package io.vertcd.server.peer;

import io.vertcd.server.tls.TlsInfo;

/**
 * Limits of the peer transport.
 *
 * @param maxQueuedMessages per-peer bound on messages waiting to be written (etcd's streamBufSize is
 *        4096); when the queue is full a new message is dropped and the peer reported unreachable, as
 *        etcd's peer.send does ("dropped internal Raft message since sending buffer is full")
 * @param maxBatchMessages most messages put into one {@code MessageBatch} frame
 * @param maxBatchBytes soft bound on one batch's encoded size in bytes; a batch always takes at least
 *        one message, however large
 * @param maxMessageBytes largest frame the receiving side accepts, bytes (a batch holding one
 *        message of this size must fit)
 * @param backoffInitialMs first reconnection delay after a failed stream, ms
 * @param backoffMaxMs cap of the exponentially growing reconnection delay, ms
 * @param snapshotChunkBytes size of the read buffer streaming snapshot files, bytes
 * @param tls the peer TLS settings: https listen URLs are served with them, https peer URLs dialled with them
 */
public record PeerTransportOptions(int maxQueuedMessages, int maxBatchMessages, int maxBatchBytes,
                                   int maxMessageBytes, long backoffInitialMs, long backoffMaxMs,
                                   int snapshotChunkBytes, TlsInfo tls) {
    /**
     * Defaults: 4096 queued, 512 per batch, 1 MiB batches, 64 MiB frames, backoff 50 ms to 2 s, 64 KiB chunks,
     * no TLS.
     */
    public static PeerTransportOptions defaults() {
        return new PeerTransportOptions(4096, 512, 1 << 20, 64 << 20, 50, 2000, 64 << 10, TlsInfo.NONE);
    }

    /** @throws IllegalArgumentException when a limit is not positive or the backoff cap is below its start */
    public PeerTransportOptions {
        if (maxQueuedMessages <= 0 || maxBatchMessages <= 0 || maxBatchBytes <= 0 || maxMessageBytes <= 0
                || backoffInitialMs <= 0 || backoffMaxMs < backoffInitialMs || snapshotChunkBytes <= 0 || tls == null) {
            throw new IllegalArgumentException("invalid peer transport options: " + this);
        }
    }

    /** @return a copy with another per-peer queue bound */
    public PeerTransportOptions withMaxQueuedMessages(int n) {
        return new PeerTransportOptions(n, maxBatchMessages, maxBatchBytes, maxMessageBytes, backoffInitialMs,
                backoffMaxMs, snapshotChunkBytes, tls);
    }

    /** @return a copy with these peer TLS settings */
    public PeerTransportOptions withTls(TlsInfo peerTls) {
        return new PeerTransportOptions(maxQueuedMessages, maxBatchMessages, maxBatchBytes, maxMessageBytes,
                backoffInitialMs, backoffMaxMs, snapshotChunkBytes, peerTls);
    }
}
