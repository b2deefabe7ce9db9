package io.vertcd.statemachine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A snapshot file as {@code etcdctl snapshot save} writes it: the backend's bbolt database followed by the sha256 of
 * the database (the last message of Maintenance.Snapshot, etcdserver/api/v3rpc/maintenance.go). A file carries the
 * trailer when its size is 32 bytes past a multiple of 512 (etcd clientv3/snapshot hasChecksum: bbolt files are whole
 * pages).
 */
public final class EtcdSnapshotFile {
    /** Length of the trailer. */
    public static final int SHA256_SIZE = 32;

    private EtcdSnapshotFile() {
    }

    /** @return whether a file of {@code size} bytes ends with a sha256 trailer (etcd hasChecksum) */
    public static boolean hasChecksum(long size) {
        return size % 512 == SHA256_SIZE;
    }

    /**
     * Checks the trailer as {@code etcdctl snapshot restore} does (clientv3/snapshot v3Manager.saveDB), with etcd's
     * messages.
     *
     * @param skipHashCheck {@code --skip-hash-check}: accept a file without a trailer or with a wrong one
     * @return the database's length in bytes (the file's without the trailer)
     * @throws IOException {@code snapshot missing hash but --skip-hash-check=false}, or
     *     {@code expected sha256 [..], got [..]} (Go's %v of the byte slices), or on I/O failure
     */
    public static long verify(Path file, boolean skipHashCheck) throws IOException {
        long size = Files.size(file);
        boolean hasHash = hasChecksum(size);
        long dbSize = hasHash ? size - SHA256_SIZE : size;
        if (!hasHash && !skipHashCheck) {
            throw new IOException("snapshot missing hash but --skip-hash-check=false");
        }
        if (hasHash && !skipHashCheck) {
            byte[] expected = new byte[SHA256_SIZE];
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer b = ByteBuffer.wrap(expected);
                while (b.hasRemaining()) {
                    if (ch.read(b, dbSize + b.position()) < 0) {
                        throw new IOException("snapshot truncated while reading its sha256");
                    }
                }
            }
            byte[] actual = sha256(file, dbSize);
            if (!Arrays.equals(expected, actual)) {
                throw new IOException("expected sha256 " + goBytes(expected) + ", got " + goBytes(actual));
            }
        }
        return dbSize;
    }

    /** @return the sha256 of the first {@code length} bytes of {@code file} */
    public static byte[] sha256(Path file, long length) throws IOException {
        MessageDigest md = newDigest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            long left = length;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new IOException("snapshot truncated");
                }
                md.update(buf, 0, n);
                left -= n;
            }
        }
        return md.digest();
    }

    /** @return a new SHA-256 digest */
    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    /** Go's %v of a []byte: {@code [1 2 255]}. */
    private static String goBytes(byte[] b) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < b.length; i++) {
            s.append(i == 0 ? "" : " ").append(b[i] & 0xff);
        }
        return s.append(']').toString();
    }

    /** @return the hex of {@code b} (for logs) */
    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
