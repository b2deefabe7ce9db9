package io.vertcd.statemachine.bbolt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real bbolt (inside etcdctl 3.4's {@code snapshot status}, which runs bbolt's {@code tx.Check} over every page and
 * then hashes every bucket name, key and value with CRC-32C) reads what {@link BoltWriter} wrote: no page unreachable
 * or freed twice, and the same content.
 */
class EtcdctlReadsBoltWriterTest {
    @TempDir
    Path dir;

    @Test
    void etcdctlSnapshotStatusChecksAndHashesTheFile() throws Exception {
        Path file = dir.resolve("w.db");
        CRC32C crc = new CRC32C();
        long keys = 0;
        Random rnd = new Random(7);
        try (BoltWriter w = BoltWriter.create(file)) {
            for (String bucket : new String[] {"alarm", "big", "keys", "small"}) {
                byte[] name = bucket.getBytes(StandardCharsets.UTF_8);
                w.beginBucket(name);
                crc.update(name);
                int n = switch (bucket) {
                    case "alarm" -> 0;
                    case "small" -> 3;
                    case "big" -> 40;
                    default -> 20_000;
                };
                for (int i = 0; i < n; i++) {
                    byte[] k = String.format("%s-%08d", bucket, i).getBytes(StandardCharsets.UTF_8);
                    byte[] v = new byte[bucket.equals("big") ? 5000 + rnd.nextInt(9000) : rnd.nextInt(200)];
                    rnd.nextBytes(v);
                    w.put(k, v);
                    crc.update(k);
                    crc.update(v);
                    keys++;
                }
                w.endBucket();
            }
            w.finish();
        }
        Process p = new ProcessBuilder("etcdctl", "snapshot", "status", file.toString(), "-w", "json")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertEquals("{\"hash\":" + crc.getValue() + ",\"revision\":0,\"totalKey\":" + keys + ",\"totalSize\":"
                + Files.size(file) + "}", out.strip().lines().reduce((a, b) -> b).orElseThrow());
    }
}
