package io.vertcd.log;

import net.openhft.chronicle.bytes.Bytes;

import java.util.zip.CRC32C;

/**
 * The checksummed, chained framing of a log record (format 2), and the chain's running state.
 *
 * <p>Layout of a format-2 Chronicle document (Chronicle's 4-byte header gives its length):
 * <pre>
 *   type | 0x10 (1) | prev crc (4, little-endian) | crc (4, little-endian) | body (as in {@link RecordCodec})
 *   crc = CRC32C(type | prev crc | body)          (java.util.zip.CRC32C over those bytes, in that order)
 * </pre>
 * {@code prev crc} is the {@code crc} of the record written just before (0 for the first record of a log), so
 * every record's checksum continues from its predecessor's, as etcd chains its WAL CRCs (etcd
 * {@code wal/encoder.go} {@code encode}: {@code crc.Update(prevCrc, ...)}; {@code wal/decoder.go}
 * {@code decodeRecord}: {@code walpb: crc mismatch}). The JDK's CRC32C cannot be seeded, so the previous value is
 * fed in as 4 bytes instead of being the CRC's initial state; the effect is the same: a flipped byte fails the
 * record's own check, and a missing, duplicated or reordered record fails the chain check of the record after it.
 * Keeping {@code prev crc} in the record (etcd keeps it in a {@code crcType} record at the head of each file) lets
 * the oldest record left after {@link WriteAheadLog#releaseTo} be verified on its own.
 *
 * <p>Format 1 (vertcd before checksums) has no frame: the document is {@code type | body} with type codes 1..4.
 * An old log is told apart by its type byte: 1..4 is format 1 (read as before, unchecked), {@code 0x11..0x14} is
 * format 2. A log written by the previous code and continued by this one holds format-1 records followed by
 * format-2 records; a format-1 record after a format-2 one is corruption (a flipped type byte must not turn a
 * checked record into an unchecked one).
 *
 * <p>Not thread-safe: one instance is the chain of one log, owned by the replaying thread and then by the I/O
 * thread.
 */
final class RecordFrame {
    /** Set in the type byte of a format-2 record. */
    static final int CHECKED = 0x10;
    /** Bytes of the frame before the body: type, prev crc, crc. */
    static final int HEADER_BYTES = 1 + 4 + 4;
    /** The detail of a checksum failure, etcd's {@code walpb.ErrCRCMismatch} text. */
    static final String CRC_MISMATCH = "walpb: crc mismatch";

    private final CRC32C crc = new CRC32C();
    private byte[] buf = new byte[512];
    private int last;
    private boolean started;
    private boolean sawChecked;

    /** @return the crc of the last record written or verified (0 before any, or if all were format 1). */
    int lastCrc() {
        return last;
    }

    /**
     * Writes {@code record} (a format-1 record as {@link RecordCodec} encodes it: type then body, read from its read
     * position to its write position) to {@code out} as a format-2 record chained to the previous one.
     */
    void write(Bytes<?> record, Bytes<?> out) {
        int length = (int) record.readRemaining();
        byte[] bytes = fill(record, length);
        byte type = (byte) (bytes[0] | CHECKED);
        int value = checksum(type, last, bytes, 1, length - 1);
        out.writeByte(type);
        out.writeInt(last);
        out.writeInt(value);
        out.write(bytes, 1, length - 1);
        last = value;
    }

    /**
     * Reads and verifies the frame of one record; on return {@code in} is positioned at the body.
     *
     * @param in a whole document.
     * @return the record's type.
     * @throws WalException if the type is unknown, the record fails its checksum or does not continue the chain
     *                      (message ends with {@link #CRC_MISMATCH}), or a format-1 record follows a format-2 one.
     */
    RecordType read(Bytes<?> in) throws WalException {
        if (in.readRemaining() < 1) {
            throw new WalException("wal: empty record");
        }
        byte code = in.readByte();
        if ((code & CHECKED) == 0) {
            if (sawChecked) {
                throw new WalException("wal: unchecked record (type " + code + ") after checked records: "
                        + CRC_MISMATCH);
            }
            return RecordType.of(code);
        }
        RecordType type = RecordType.of((byte) (code & ~CHECKED));
        if (in.readRemaining() < HEADER_BYTES - 1) {
            throw new WalException("wal: record too short for its checksum: " + CRC_MISMATCH);
        }
        int prev = in.readInt();
        int stored = in.readInt();
        int length = (int) in.readRemaining();
        long bodyStart = in.readPosition();
        byte[] body = fill(in, length);
        in.readPosition(bodyStart);
        int computed = checksum(code, prev, body, 0, length);
        if (computed != stored) {
            throw new WalException("wal: record crc " + hex(stored) + ", computed " + hex(computed) + ": "
                    + CRC_MISMATCH);
        }
        if (started && prev != last) {
            throw new WalException("wal: record continues crc " + hex(prev) + ", previous record's crc is "
                    + hex(last) + " (a record is missing, repeated or out of order): " + CRC_MISMATCH);
        }
        started = true;
        sawChecked = true;
        last = stored;
        return type;
    }

    /**
     * Skips the frame of a record already verified by {@link #read} (replay's second pass); no chain check.
     *
     * @return the record's type.
     */
    static RecordType skip(Bytes<?> in) throws WalException {
        if (in.readRemaining() < 1) {
            throw new WalException("wal: empty record");
        }
        byte code = in.readByte();
        if ((code & CHECKED) == 0) {
            return RecordType.of(code);
        }
        in.readSkip(HEADER_BYTES - 1);
        return RecordType.of((byte) (code & ~CHECKED));
    }

    /**
     * @return true if {@code bytes[offset, offset + length)} is a whole format-2 record with a valid own checksum
     *         (the chain is not checked): used to find a valid record after a damaged one.
     */
    static boolean isValidChecked(byte[] bytes, int offset, int length) {
        if (length < HEADER_BYTES || (bytes[offset] & CHECKED) == 0) {
            return false;
        }
        try {
            RecordType.of((byte) (bytes[offset] & ~CHECKED));
        } catch (WalException e) {
            return false;
        }
        int prev = littleEndianInt(bytes, offset + 1);
        int stored = littleEndianInt(bytes, offset + 5);
        int value = new RecordFrame().checksum(bytes[offset], prev, bytes, offset + HEADER_BYTES,
                length - HEADER_BYTES);
        return value == stored;
    }

    private int checksum(byte type, int prev, byte[] body, int offset, int length) {
        crc.reset();
        crc.update(type);
        crc.update(prev);
        crc.update(prev >>> 8);
        crc.update(prev >>> 16);
        crc.update(prev >>> 24);
        crc.update(body, offset, length);
        return (int) crc.getValue();
    }

    private byte[] fill(Bytes<?> in, int length) {
        if (buf.length < length) {
            buf = new byte[Math.max(length, buf.length * 2)];
        }
        in.read(buf, 0, length);
        return buf;
    }

    private static int littleEndianInt(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    private static String hex(int value) {
        return String.format("%08x", value);
    }
}
