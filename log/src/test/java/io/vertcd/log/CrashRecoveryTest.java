package io.vertcd.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.vertcd.log.Records.entries;
import static io.vertcd.log.Records.hs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Kills a child JVM (SIGKILL via destroyForcibly) while it writes, then replays its log. */
class CrashRecoveryTest {
    @TempDir
    Path tmp;

    /** Starts {@link CrashChild} with this JVM's classpath and Chronicle flags; stderr goes to a file. */
    private Process child(Path dir, String mode) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-") || arg.startsWith("-Dchronicle")) {
                cmd.add(arg);
            }
        }
        cmd.add("-Xmx128m");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(CrashChild.class.getName());
        cmd.add(dir.toString());
        cmd.add(mode);
        return new ProcessBuilder(cmd)
                .redirectError(tmp.resolve(mode + ".stderr").toFile())
                .start();
    }

    /** Reads the child's stdout until a line starts with {@code prefix}; returns all lines read. */
    private List<String> readUntil(Process p, BufferedReader out, String prefix, long minAck) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String line; (line = out.readLine()) != null; ) {
            lines.add(line);
            if (line.startsWith("ERR")) {
                fail("child failed a save: " + line);
            }
            if (line.startsWith(prefix) && (minAck < 0 || Long.parseLong(line.substring(4)) >= minAck)) {
                return lines;
            }
        }
        fail("child exited before printing " + prefix + ": " + lines + "\n" + stderr(p));
        return lines;
    }

    private String stderr(Process p) throws IOException {
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Path err = Files.list(tmp).filter(f -> f.toString().endsWith(".stderr")).findFirst().orElse(null);
        return err == null ? "" : Files.readString(err);
    }

    private static void kill(Process p) throws InterruptedException {
        p.destroyForcibly();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "child did not die");
    }

    @Test
    void everyAcknowledgedEntrySurvivesKill9() throws Exception {
        Path dir = tmp.resolve("wal");
        Process p = child(dir, "append");
        long maxAck;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            List<String> lines = readUntil(p, out, "ACK", 400);
            maxAck = lines.stream().filter(l -> l.startsWith("ACK"))
                    .mapToLong(l -> Long.parseLong(l.substring(4))).max().orElseThrow();
            kill(p); // the child keeps writing until the SIGKILL; later ACKs are not seen and not required
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            Replay r = wal.replay();
            assertTrue(wal.lastIndex() >= maxAck, "lost acknowledged entries: last " + wal.lastIndex() + " < " + maxAck);
            assertEquals(entries(1, wal.lastIndex(), 1), r.entries());
            assertTrue(r.hardState().getCommit() >= maxAck - 4);
            // the log is writable after the crash
            long next = wal.lastIndex() + 1;
            wal.save(hs(2, 2, next), entries(next, next + 2, 2)).get(30, TimeUnit.SECONDS);
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(2, wal.replay().entries().get(wal.replay().entries().size() - 1).getTerm());
        }
    }

    @Test
    void killedUnderWritesThenCutTailIsRepairedAndServesOnlyWrittenEntries() throws Exception {
        Path dir = tmp.resolve("wal");
        Process p = child(dir, "append");
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            readUntil(p, out, "ACK", 400);
            kill(p);
        }
        List<WalFiles.Doc> docs = WalFiles.docs(dir);
        long cutAt = docs.get(docs.size() - 1).end() - 300; // the reported damage: the last 300 bytes cut
        WalFiles.truncate(WalFiles.newestCycleFile(dir), cutAt);
        long kept = docs.stream().filter(d -> d.end() <= cutAt && d.raftIndex() > 0)
                .mapToLong(WalFiles.Doc::raftIndex).max().orElseThrow();
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(entries(1, kept, 1), wal.replay().entries()); // every kept entry has its written bytes
            assertEquals(kept, wal.lastIndex());
            wal.save(hs(2, 2, kept), entries(kept + 1, kept + 3, 2)).get(30, TimeUnit.SECONDS);
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(kept + 3, wal.lastIndex());
            assertEquals(entries(kept + 1, kept + 3, 2), wal.replay().entries().subList((int) kept, (int) kept + 3));
        }
    }

    @Test
    void tornLastRecordIsIgnoredAndTheLogStaysWritable() throws Exception {
        Path dir = tmp.resolve("wal");
        Process p = child(dir, "torn");
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            readUntil(p, out, "TORN", -1);
            kill(p);
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(entries(1, 20, 1), wal.replay().entries());
            assertEquals(20, wal.lastIndex());
            wal.save(hs(1, 1, 22), entries(21, 22, 1)).get(60, TimeUnit.SECONDS);
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(entries(1, 22, 1), wal.replay().entries());
            assertEquals(hs(1, 1, 22), wal.replay().hardState());
        }
    }

    @Test
    void refusesToOpenWithoutNativeMsync() throws Exception {
        Path dir = tmp.resolve("wal");
        Process p = child(dir, "nomsync");
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line = out.readLine();
            assertNotNull(line, stderr(p));
            assertTrue(line.startsWith("REFUSED wal:"), line);
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    }
}
