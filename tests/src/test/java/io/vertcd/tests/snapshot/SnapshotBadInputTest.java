package io.vertcd.tests.snapshot;

import static io.vertcd.tests.Jetcd.await;
import static io.vertcd.tests.Jetcd.bs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.Client;
import io.vertcd.tests.Etcdctl;
import io.vertcd.tests.Jetcd;
import io.vertcd.tests.MemberKind;
import io.vertcd.tests.MemberProcess;
import io.vertcd.tests.Poll;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Snapshots taken while writes and checkpoints run are consistent; damaged files and a used data directory are
 * refused as etcdctl 3.4 refuses them, and nothing is left behind.
 */
class SnapshotBadInputTest {
    private static final Path WORK = Path.of(System.getProperty("user.dir"), "target", "e2e-data");

    @Test
    void snapshotsDuringWritesAndCheckpointsAreConsistentAndBadInputIsRefused() throws Exception {
        Files.createDirectories(WORK);
        Path dir = Files.createTempDirectory(WORK, "snapshot-bad-input-");
        // a checkpoint every 20 entries: the snapshots below queue behind running checkpoints and vice versa
        try (MemberProcess vertcd = MemberProcess.create(MemberKind.VERTCD, "snapshotted", "--snapshot-count=20").start();
             Client c = Jetcd.client(vertcd)) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong written = new AtomicLong();
            Thread writer = new Thread(() -> {
                for (long i = 0; !stop.get(); i++) {
                    await(c.getKVClient().put(bs("/registry/k" + (i % 50)), bs("v" + i)));
                    written.set(i + 1);
                }
            });
            writer.start();
            List<Path> files = new ArrayList<>();
            try {
                for (int n = 0; n < 3; n++) {
                    long seen = written.get();
                    Poll.until(Duration.ofSeconds(60), written::get, w -> w > seen); // writes run during each save
                    Path file = dir.resolve("s" + n + ".db");
                    Etcdctl.Result saved = vertcd.etcdctl().run("snapshot", "save", file.toString());
                    assertTrue(saved.ok(), saved.toString());
                    files.add(file);
                }
            } finally {
                stop.set(true);
                writer.join();
            }
            assertTrue(written.get() > 0);
            for (Path file : files) {
                assertConsistent(file);
            }
            Path good = files.get(files.size() - 1);
            byte[] bytes = Files.readAllBytes(good);

            // a wrong sha256: refused unless --skip-hash-check
            Path wrongHash = dir.resolve("wrong-hash.db");
            byte[] flipped = bytes.clone();
            flipped[flipped.length - 1] ^= 1;
            Files.write(wrongHash, flipped);
            Path target = dir.resolve("restored-1");
            Etcdctl.Result refused = restore(wrongHash, target);
            assertEquals(1, refused.exitCode(), refused.toString());
            assertTrue(refused.stderr().contains("Error: expected sha256 ["), refused.toString());
            assertFalse(Files.exists(target), "nothing left behind");
            Etcdctl.Result skipped = restore(wrongHash, target, "--skip-hash-check");
            assertEquals(0, skipped.exitCode(), skipped.toString());

            // a data directory that exists: etcdctl 3.4's message, and its content untouched
            Path marker = target.resolve("member").resolve("identity");
            byte[] before = Files.readAllBytes(marker);
            Etcdctl.Result exists = restore(good, target);
            assertEquals(1, exists.exitCode(), exists.toString());
            assertTrue(exists.stderr().contains("Error: data-dir \"" + target + "\" exists"), exists.toString());
            assertTrue(Arrays.equals(before, Files.readAllBytes(marker)));

            // a truncated file: no hash (refused), and with --skip-hash-check a clear error, not a half store
            Path truncated = dir.resolve("truncated.db");
            Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2 / 512 * 512));
            Etcdctl.Result noHash = restore(truncated, dir.resolve("restored-2"));
            assertEquals(1, noHash.exitCode(), noHash.toString());
            assertTrue(noHash.stderr().contains("Error: snapshot missing hash but --skip-hash-check=false"), noHash.toString());
            Etcdctl.Result cut = restore(truncated, dir.resolve("restored-2"), "--skip-hash-check");
            assertEquals(1, cut.exitCode(), cut.toString());
            assertTrue(cut.stderr().contains("truncated"), cut.toString());
            assertFalse(Files.exists(dir.resolve("restored-2")), "nothing left behind");
            Etcdctl.Result status = VertcdSnapshotCli.run("status", truncated.toString());
            assertEquals(1, status.exitCode(), status.toString());
            assertTrue(status.stderr().startsWith("Error: ") && status.stderr().contains("truncated"), status.toString());
        }
    }

    private static Etcdctl.Result restore(Path file, Path dataDir, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("restore", file.toString(), "--name", "r", "--data-dir",
                dataDir.toString(), "--initial-cluster", "r=http://127.0.0.1:2380",
                "--initial-advertise-peer-urls", "http://127.0.0.1:2380"));
        args.addAll(List.of(more));
        return VertcdSnapshotCli.run(args.toArray(String[]::new));
    }

    /**
     * A point-in-time copy, as etcdctl (real bbolt, with its integrity check) reads it: with one put per revision and
     * no compaction, the key bucket holds exactly the revisions 2..R, so the file holds R - 1 keys there plus the four
     * other entries of a fresh store (consistent_index, authRevision, clusterVersion, the member): a write half in
     * or a revision missing would change the count.
     */
    private static void assertConsistent(Path file) {
        Etcdctl.Result st = new Etcdctl("http://127.0.0.1:1").run("snapshot", "status", file.toString(), "-w", "json");
        assertTrue(st.ok(), st.toString());
        Matcher m = Pattern.compile("\\{\"hash\":\\d+,\"revision\":(\\d+),\"totalKey\":(\\d+),").matcher(st.stdout());
        assertTrue(m.find(), st.stdout());
        long revision = Long.parseLong(m.group(1));
        assertTrue(revision >= 2, st.stdout());
        assertEquals(revision - 1 + 4, Long.parseLong(m.group(2)), file + ": " + st.stdout());
    }
}
