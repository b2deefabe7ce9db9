package io.vertcd.log;

import java.io.IOException;

/**
 * A write-ahead-log failure: the log cannot be opened safely (native msync unavailable, another
 * process holds the log, a record is corrupt or entries are missing), a save was refused
 * (pending-save queue full, log closed, invalid entries), or an earlier I/O error has made the
 * log unusable.
 *
 * <p>Once the I/O thread has hit an I/O error every later save fails with a {@code WalException}
 * whose cause is that first error: like etcd's WAL (a failed fsync is fatal, see etcd
 * {@code server/storage/wal/wal.go} {@code sync}), vertcd never retries a write whose durability is
 * unknown.
 */
public final class WalException extends IOException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong, prefixed {@code "wal: "} by convention. */
    public WalException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong, prefixed {@code "wal: "} by convention.
     * @param cause the underlying error.
     */
    public WalException(String message, Throwable cause) {
        super(message, cause);
    }
}
