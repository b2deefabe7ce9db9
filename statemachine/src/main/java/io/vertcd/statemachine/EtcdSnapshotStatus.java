package io.vertcd.statemachine;

import io.vertcd.statemachine.bbolt.BoltReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * What {@code etcdctl snapshot status} prints about a snapshot file (etcd clientv3/snapshot v3Manager.Status): a
 * CRC-32C over every bucket name, key and value in order, the main revision of the last key of the {@code key}
 * bucket, the number of entries in all buckets, and the database's size (bbolt {@code tx.Size()}).
 *
 * @param hash the CRC-32C (Castagnoli) as an unsigned 32-bit value
 * @param revision the newest revision in the {@code key} bucket (0 if empty)
 * @param totalKey entries in all buckets
 * @param totalSize the database's size in bytes
 */
public record EtcdSnapshotStatus(long hash, long revision, long totalKey, long totalSize) {
    /**
     * Reads {@code file} (a trailing sha256 is ignored, as bbolt ignores bytes past its pages).
     *
     * @throws IOException if the file is not a valid bbolt database (see {@link BoltReader}) or on I/O failure
     */
    public static EtcdSnapshotStatus of(Path file) throws IOException {
        try (BoltReader r = BoltReader.open(file)) {
            CRC32C crc = new CRC32C();
            long[] revision = {0};
            long[] total = {0};
            for (String name : r.bucketNames()) {
                byte[] n = name.getBytes(StandardCharsets.UTF_8);
                crc.update(n);
                boolean keyBucket = name.equals("key");
                r.forEach(List.of(n), (k, v, bucket) -> {
                    crc.update(k);
                    if (v != null) {
                        crc.update(v);
                    }
                    if (keyBucket) {
                        if (k.length < 8) {
                            throw new IOException("key bucket entry of " + k.length + " bytes is not a revision");
                        }
                        revision[0] = EtcdBackend.main(k);
                    }
                    total[0]++;
                });
            }
            return new EtcdSnapshotStatus(crc.getValue(), revision[0], total[0], r.size());
        }
    }

    /** @return the line {@code etcdctl snapshot status -w json} prints */
    public String json() {
        return "{\"hash\":" + hash + ",\"revision\":" + revision + ",\"totalKey\":" + totalKey + ",\"totalSize\":"
                + totalSize + "}";
    }
}
