package io.vertcd.log;

import net.openhft.chronicle.bytes.Bytes;
import org.junit.jupiter.api.Test;

import static io.vertcd.log.Records.entry;
import static io.vertcd.log.Records.hs;
import static io.vertcd.log.Records.snap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RecordCodecTest {
    @Test
    void everyRecordTypeRoundTrips() throws Exception {
        Bytes<?> b = Bytes.allocateElasticOnHeap();
        RecordCodec.writeEntry(b, entry(42, 7));
        assertEquals(RecordType.ENTRY, RecordCodec.readType(b));
        assertEquals(42, RecordCodec.readIndex(b));
        assertEquals(entry(42, 7), RecordCodec.readEntryBody(b));

        b.clear();
        RecordCodec.writeHardState(b, hs(3, 2, 1));
        assertEquals(RecordType.HARD_STATE, RecordCodec.readType(b));
        assertEquals(hs(3, 2, 1), RecordCodec.readHardState(b));

        b.clear();
        RecordCodec.writeSnapshotMark(b, snap(100, 4));
        assertEquals(RecordType.SNAPSHOT_MARK, RecordCodec.readType(b));
        assertEquals(snap(100, 4), RecordCodec.readSnapshotMark(b));

        b.clear();
        RecordCodec.writeTruncate(b, 9);
        assertEquals(RecordType.TRUNCATE, RecordCodec.readType(b));
        assertEquals(9, RecordCodec.readIndex(b));
        assertEquals(0, b.readRemaining());
    }

    @Test
    void corruptRecordsAreRejected() {
        Bytes<?> b = Bytes.allocateElasticOnHeap();
        b.writeByte((byte) 99);
        assertThrows(WalException.class, () -> RecordCodec.readType(b));
        b.clear();
        b.writeByte((byte) 2).write(new byte[]{(byte) 0xff, (byte) 0xff});
        b.readSkip(1);
        assertThrows(WalException.class, () -> RecordCodec.readHardState(b));
        b.clear();
        assertThrows(WalException.class, () -> RecordCodec.readType(b));
        b.writeInt(1);
        assertThrows(WalException.class, () -> RecordCodec.readIndex(b));
    }
}
