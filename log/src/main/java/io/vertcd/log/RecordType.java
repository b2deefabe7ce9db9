package io.vertcd.log;

/**
 * The four logical record kinds of the log; the first byte of every Chronicle document.
 *
 * <p>On disk the byte is the code below (format 1, logs written before checksums) or the code with
 * {@link RecordFrame#CHECKED} set, 0x11..0x14 (format 2: a CRC32C frame follows, see {@link RecordFrame}).
 *
 * <p>The payload after the type byte is: ENTRY = protobuf {@code Entry}; HARD_STATE = protobuf
 * {@code HardState}; SNAPSHOT_MARK = protobuf {@code SnapshotMetadata} (index, term, conf state);
 * TRUNCATE = 8-byte little-endian Raft index {@code fromIndex}. These mirror etcd's WAL record
 * types ({@code entryType}, {@code stateType}, {@code snapshotType}); TRUNCATE is ours, because a
 * Chronicle Queue cannot be cut (etcd instead truncates the segment file).
 */
enum RecordType {
    ENTRY((byte) 1),
    HARD_STATE((byte) 2),
    SNAPSHOT_MARK((byte) 3),
    TRUNCATE((byte) 4);

    private final byte code;

    RecordType(byte code) {
        this.code = code;
    }

    /** @return the on-disk type byte. */
    byte code() {
        return code;
    }

    /**
     * @param code an on-disk type byte.
     * @return the record type.
     * @throws WalException if the byte is not a known type (a corrupt or foreign record).
     */
    static RecordType of(byte code) throws WalException {
        for (RecordType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new WalException("wal: unknown record type " + code);
    }
}
