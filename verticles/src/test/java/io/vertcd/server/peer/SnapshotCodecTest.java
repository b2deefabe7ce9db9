package io.vertcd.server.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertcd.raft.pb.Message;
import io.vertcd.raft.pb.MessageType;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SnapshotCodecTest {
    private static final Message SNAP = Message.newBuilder().setType(MessageType.MSG_SNAP).setTo(2).setFrom(1).build();

    /** Records the decoder's events as strings. */
    private static final class Events implements SnapshotCodec.Sink {
        final List<String> log = new ArrayList<>();
        Buffer data = Buffer.buffer();

        @Override
        public void onHeader(Message m, int fileCount) {
            log.add("header " + m.getType() + " " + fileCount);
        }

        @Override
        public void onFileStart(String name, long size) {
            log.add("start " + name + " " + size);
            data = Buffer.buffer();
        }

        @Override
        public void onFileData(Buffer chunk) {
            data.appendBuffer(chunk);
        }

        @Override
        public void onFileEnd() {
            log.add("end " + data.toString());
        }
    }

    private static Buffer body() {
        return SnapshotCodec.header(SNAP, 3)
                .appendBuffer(SnapshotCodec.fileHeader("a/b.bin", 5)).appendString("hello")
                .appendBuffer(SnapshotCodec.fileHeader("empty", 0))
                .appendBuffer(SnapshotCodec.fileHeader("c", 3)).appendString("xyz");
    }

    @Test
    void decodesTheSameEventsWhateverTheChunkBoundaries() {
        Buffer body = body();
        List<String> expected = List.of("header MSG_SNAP 3", "start a/b.bin 5", "end hello", "start empty 0", "end ",
                "start c 3", "end xyz");
        Random r = new Random(1);
        for (int round = 0; round < 200; round++) {
            Events e = new Events();
            SnapshotCodec.Decoder d = new SnapshotCodec.Decoder(e, 1 << 20);
            int pos = 0;
            while (pos < body.length()) {
                int n = Math.min(body.length() - pos, 1 + r.nextInt(round % 2 == 0 ? 3 : 40));
                d.feed(body.slice(pos, pos + n));
                pos += n;
                if (pos < body.length()) {
                    assertFalse(d.complete());
                }
            }
            assertTrue(d.complete());
            assertEquals(expected, e.log);
        }
    }

    @Test
    void refusesNamesThatLeaveTheDirectoryAndTrailingBytes() {
        for (String bad : List.of("../x", "/etc/passwd", "a/../../x", "", "a//b", "./a")) {
            assertThrows(IllegalArgumentException.class, () -> SnapshotCodec.checkName(bad), bad);
        }
        SnapshotCodec.checkName("map/revisions.cm3");
        SnapshotCodec.Decoder d = new SnapshotCodec.Decoder(new Events(), 1 << 20);
        assertThrows(IllegalArgumentException.class, () -> d.feed(body().appendByte((byte) 0)));
        // A forged name on the wire is refused by the decoder too.
        byte[] evil = "../../etc/x".getBytes();
        Buffer forged = SnapshotCodec.header(SNAP, 1).appendUnsignedShort(evil.length).appendBytes(evil).appendLong(1);
        assertThrows(IllegalArgumentException.class,
                () -> new SnapshotCodec.Decoder(new Events(), 1 << 20).feed(forged));
    }

    @Test
    void backoffDoublesUpToTheCapAndResets() {
        Backoff b = new Backoff(50, 300);
        assertEquals(List.of(50L, 100L, 200L, 300L, 300L),
                List.of(b.nextDelayMs(), b.nextDelayMs(), b.nextDelayMs(), b.nextDelayMs(), b.nextDelayMs()));
        b.reset();
        assertEquals(50, b.nextDelayMs());
    }
}
