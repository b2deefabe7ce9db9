package io.vertcd.log;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import net.openhft.posix.PosixAPI;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Child JVM for {@link CrashRecoveryTest}; prints protocol lines on stdout and is killed with
 * {@code destroyForcibly()} (SIGKILL) by the parent. Modes:
 * <ul>
 *   <li>{@code append}: appends 4-entry batches with up to 8 saves in flight and prints
 *       {@code ACK <index>} once a save's future completed; stops by itself after 20000 entries.</li>
 *   <li>{@code torn}: saves entries 1..20, prints {@code ACK 20}, then starts a raw Chronicle document
 *       in the same queue, writes half an ENTRY record, prints {@code TORN} and sleeps.</li>
 *   <li>{@code nomsync}: forces Chronicle's no-op POSIX binding and tries to open the log; prints
 *       {@code REFUSED <message>} if open failed, {@code OPENED} otherwise.</li>
 * </ul>
 */
public final class CrashChild {
    private CrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        switch (args[1]) {
            case "append" -> append(dir);
            case "torn" -> torn(dir);
            case "nomsync" -> noMsync(dir);
            default -> throw new IllegalArgumentException(args[1]);
        }
    }

    private static void append(Path dir) throws Exception {
        WriteAheadLog wal = WriteAheadLog.open(dir);
        Semaphore inFlight = new Semaphore(8);
        long next = wal.lastIndex() + 1;
        for (int batch = 0; batch < 5000; batch++) {
            inFlight.acquire();
            long last = next + 3;
            wal.save(Records.hs(1, 1, next - 1), Records.entries(next, last, 1)).whenComplete((v, e) -> {
                if (e == null) {
                    System.out.println("ACK " + last);
                } else {
                    System.out.println("ERR " + e);
                }
                System.out.flush();
                inFlight.release();
            });
            next = last + 1;
        }
        wal.close();
    }

    private static void torn(Path dir) throws Exception {
        WriteAheadLog wal = WriteAheadLog.open(dir);
        wal.save(Records.hs(1, 1, 19), Records.entries(1, 20, 1)).get(30, TimeUnit.SECONDS);
        System.out.println("ACK 20");
        System.out.flush();
        SingleChronicleQueue raw = SingleChronicleQueueBuilder.binary(dir).rollCycle(RollCycles.FAST_HOURLY).build();
        ExcerptAppender appender = raw.createAppender();
        DocumentContext dc = appender.writingDocument();
        Bytes<?> bytes = dc.wire().bytes();
        bytes.writeByte((byte) 1);
        bytes.writeLong(21);
        bytes.write(new byte[]{8, 1, 16}); // a protobuf Entry cut short
        System.out.println("TORN");
        System.out.flush();
        Thread.sleep(60_000);
        System.exit(3); // never reached when the parent kills us
        List.of(dc, wal);
    }

    private static void noMsync(Path dir) {
        PosixAPI.useNoOpPosixApi();
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            System.out.println("OPENED");
        } catch (Exception e) {
            System.out.println("REFUSED " + e.getMessage());
        }
        System.out.flush();
    }
}
