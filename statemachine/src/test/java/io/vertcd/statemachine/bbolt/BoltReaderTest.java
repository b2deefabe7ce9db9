package io.vertcd.statemachine.bbolt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link BoltReader} on a file real etcd 3.4.23 wrote, and on damaged files. */
class BoltReaderTest {
    @TempDir
    Path dir;

    /** A snapshot of etcd 3.4.23 (`etcdctl snapshot save`, sha256 trailer included) after 5 writes and a compaction. */
    private Path etcdSnapshot() throws IOException {
        Path p = dir.resolve("etcd.db");
        try (InputStream in = getClass().getResourceAsStream("/bbolt/etcd-3.4.23-snapshot.db")) {
            Files.copy(in, p);
        }
        return p;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsARealEtcdSnapshot() throws IOException {
        try (BoltReader r = BoltReader.open(etcdSnapshot())) {
            assertEquals(4096, r.pageSize());
            assertEquals(20480, r.size()); // etcdctl snapshot status: totalSize 20480
            assertEquals(List.of("alarm", "auth", "authRoles", "authUsers", "cluster", "key", "lease", "members",
                    "members_removed", "meta"), r.bucketNames());
            List<byte[]> keys = new ArrayList<>();
            r.forEach(List.of(b("key")), (k, v, bucket) -> keys.add(k));
            // revisions 3..6 survive the compaction at 3: put b (3), delete b (4, tombstone), put leased (5)...
            assertEquals(17, keys.get(0).length);
            assertEquals(3, ByteBuffer.wrap(keys.get(0)).getLong());
            assertEquals('_', keys.get(0)[8]);
            assertArrayEquals(b("3.4.0"), r.get(List.of(b("cluster")), b("clusterVersion")));
            byte[] ci = r.get(List.of(b("meta")), b("consistent_index"));
            assertEquals(8, ci.length);
        }
    }

    @Test
    void truncatedFileIsRefused() throws IOException {
        Path p = etcdSnapshot();
        byte[] all = Files.readAllBytes(p);
        Files.write(p, java.util.Arrays.copyOf(all, 3 * 4096));
        BoltFormatException e = assertThrows(BoltFormatException.class, () -> BoltReader.open(p));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        Files.write(p, java.util.Arrays.copyOf(all, 40));
        assertThrows(BoltFormatException.class, () -> BoltReader.open(p));
    }

    @Test
    void damagedMetaPagesAreRefused() throws IOException {
        Path p = etcdSnapshot();
        byte[] all = Files.readAllBytes(p);
        all[16 + 20] ^= 1; // root pgid of meta 0
        all[4096 + 16 + 20] ^= 1; // and of meta 1
        Files.write(p, all);
        BoltFormatException e = assertThrows(BoltFormatException.class, () -> BoltReader.open(p));
        assertTrue(e.getMessage().contains("checksum error"), e.getMessage());
    }

    @Test
    void onlyOneGoodMetaPageIsEnough() throws IOException {
        Path p = etcdSnapshot();
        byte[] all = Files.readAllBytes(p);
        all[16] ^= 1; // magic of meta 0
        Files.write(p, all);
        try (BoltReader r = BoltReader.open(p)) {
            assertEquals(10, r.bucketNames().size());
        }
    }

    /** A small database: one bucket of 300 keys, so a branch page over two leaves. */
    private Path written() throws IOException {
        Path p = dir.resolve("w.db");
        try (BoltWriter w = BoltWriter.create(p)) {
            w.beginBucket(b("k"));
            for (int i = 0; i < 300; i++) {
                w.put(b(String.format("key-%05d", i)), new byte[20]);
            }
            w.endBucket();
            w.finish();
        }
        return p;
    }

    @Test
    void pageIdOutOfRangeOrLoopingIsRefused() throws IOException {
        Path p = written();
        byte[] all = Files.readAllBytes(p);
        ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        // find the bucket's branch page
        int branch = -1;
        for (int pg = 3; pg * 4096 < all.length; pg++) {
            if ((buf.getShort(pg * 4096 + 8) & BoltFormat.BRANCH_PAGE) != 0) {
                branch = pg;
            }
        }
        assertTrue(branch > 0);
        int firstChild = branch * 4096 + 16 + 8;
        byte[] outOfRange = all.clone();
        ByteBuffer.wrap(outOfRange).order(ByteOrder.LITTLE_ENDIAN).putLong(firstChild, 1_000_000L);
        Files.write(p, outOfRange);
        assertThrows(BoltFormatException.class, () -> readAll(p));
        byte[] loop = all.clone();
        ByteBuffer.wrap(loop).order(ByteOrder.LITTLE_ENDIAN).putLong(firstChild, branch);
        Files.write(p, loop);
        BoltFormatException e = assertThrows(BoltFormatException.class, () -> readAll(p));
        assertTrue(e.getMessage().contains("reached twice"), e.getMessage());
        byte[] badElement = all.clone();
        ByteBuffer.wrap(badElement).order(ByteOrder.LITTLE_ENDIAN).putInt(4 * 4096 + 16 + 8, 1 << 30); // ksize
        Files.write(p, badElement);
        assertThrows(BoltFormatException.class, () -> readAll(p));
    }

    private static void readAll(Path p) throws IOException {
        try (BoltReader r = BoltReader.open(p)) {
            r.forEach(List.of(b("k")), (k, v, bucket) -> { });
        }
    }
}
