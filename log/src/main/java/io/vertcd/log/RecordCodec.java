package io.vertcd.log;

import com.google.protobuf.InvalidProtocolBufferException;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.SnapshotMetadata;
import net.openhft.chronicle.bytes.Bytes;

/**
 * Encodes and decodes the body of one Chronicle document = one log record.
 *
 * <p>Layout (Chronicle's own 4-byte document header precedes it and gives the length):
 * <pre>
 *   ENTRY          : type(1) | raft index (8, little-endian) | protobuf Entry
 *   HARD_STATE     : type(1) | protobuf HardState
 *   SNAPSHOT_MARK  : type(1) | protobuf SnapshotMetadata
 *   TRUNCATE       : type(1) | fromIndex (8, little-endian)
 * </pre>
 * This is format 1, the whole document of a log written before checksums. The log now writes it
 * inside a checksummed frame ({@link RecordFrame}: type | 0x10, prev crc, crc, then the body above);
 * replay reads the frame first and then the body with these methods.
 * The ENTRY index is duplicated in front of the protobuf so that replay's first pass can rebuild
 * the Raft-index map without parsing entry payloads.
 */
final class RecordCodec {
    private RecordCodec() {
    }

    /** Writes an ENTRY record for {@code entry}. */
    static void writeEntry(Bytes<?> out, Entry entry) {
        out.writeByte(RecordType.ENTRY.code());
        out.writeLong(entry.getIndex());
        out.write(entry.toByteArray());
    }

    /** Writes a HARD_STATE record (term, vote, commit). */
    static void writeHardState(Bytes<?> out, HardState hardState) {
        out.writeByte(RecordType.HARD_STATE.code());
        out.write(hardState.toByteArray());
    }

    /** Writes a SNAPSHOT_MARK record (index, term, conf state). */
    static void writeSnapshotMark(Bytes<?> out, SnapshotMetadata meta) {
        out.writeByte(RecordType.SNAPSHOT_MARK.code());
        out.write(meta.toByteArray());
    }

    /** Writes a TRUNCATE record: every entry with index &gt;= {@code fromIndex} written before it is void. */
    static void writeTruncate(Bytes<?> out, long fromIndex) {
        out.writeByte(RecordType.TRUNCATE.code());
        out.writeLong(fromIndex);
    }

    /** Reads the type byte. @throws WalException on an empty or unknown record. */
    static RecordType readType(Bytes<?> in) throws WalException {
        if (in.readRemaining() < 1) {
            throw new WalException("wal: empty record");
        }
        return RecordType.of(in.readByte());
    }

    /** Reads the 8-byte index of an ENTRY or TRUNCATE record (after the type byte). */
    static long readIndex(Bytes<?> in) throws WalException {
        if (in.readRemaining() < Long.BYTES) {
            throw new WalException("wal: record too short for an index");
        }
        return in.readLong();
    }

    /** Reads the protobuf Entry of an ENTRY record (after type and index). */
    static Entry readEntryBody(Bytes<?> in) throws WalException {
        try {
            return Entry.parseFrom(rest(in));
        } catch (InvalidProtocolBufferException e) {
            throw new WalException("wal: corrupt ENTRY record", e);
        }
    }

    /** Reads the body of a HARD_STATE record (after the type byte). */
    static HardState readHardState(Bytes<?> in) throws WalException {
        try {
            return HardState.parseFrom(rest(in));
        } catch (InvalidProtocolBufferException e) {
            throw new WalException("wal: corrupt HARD_STATE record", e);
        }
    }

    /** Reads the body of a SNAPSHOT_MARK record (after the type byte). */
    static SnapshotMetadata readSnapshotMark(Bytes<?> in) throws WalException {
        try {
            return SnapshotMetadata.parseFrom(rest(in));
        } catch (InvalidProtocolBufferException e) {
            throw new WalException("wal: corrupt SNAPSHOT_MARK record", e);
        }
    }

    private static byte[] rest(Bytes<?> in) {
        byte[] body = new byte[(int) in.readRemaining()];
        in.read(body);
        return body;
    }
}
