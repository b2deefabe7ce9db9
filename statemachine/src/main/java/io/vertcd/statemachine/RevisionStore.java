package io.vertcd.statemachine;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etcd.jetcd.api.KeyValue;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import net.openhft.chronicle.hash.impl.VanillaChronicleHash;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;

/**
 * The revision store: a persisted Chronicle Map from revision (main, sub) to the KeyValue written
 * at that revision, as etcd's bbolt "key" bucket (mvcc/kvstore_txn.go: revision bytes ->
 * mvccpb.KeyValue). A delete stores a tombstone: a KeyValue holding only the key.
 *
 * <p>Layout: key = 16 bytes, main then sub, big-endian. Value = 1 flag byte (1 = tombstone) +
 * the KeyValue's protobuf encoding.
 *
 * <p>Durability: Chronicle Map writes through a shared memory mapping and never syncs by itself;
 * {@link #sync()} msyncs the mapping and fsyncs the file. Between syncs, state is only as durable
 * as the page cache.
 *
 * <p>Threads: safe for one writer and concurrent readers (Chronicle Map segment locks; readers
 * take a segment read lock for the duration of one copy).
 */
final class RevisionStore implements AutoCloseable {
    /** Chronicle Map's entry size bound: values up to 1.5 MiB (etcd --max-request-bytes default) plus headroom. */
    static final int MAX_VALUE_BYTES = 2 * 1024 * 1024;
    /** Average stored value size assumed for sizing (bytes). */
    static final int AVERAGE_VALUE_BYTES = 512;
    /** Chronicle Map allocation unit (bytes): an entry takes ceil((header + 16 + value) / 64) chunks. */
    static final int CHUNK_BYTES = 64;
    /** Chunks per segment tier: a tier must hold the largest entry, so 2.5 MiB worth of chunks. */
    static final int CHUNKS_PER_TIER = (MAX_VALUE_BYTES + MAX_VALUE_BYTES / 4) / CHUNK_BYTES;
    /** Entries per segment tier, sized for average entries of {@value #AVERAGE_VALUE_BYTES} bytes. */
    static final int ENTRIES_PER_SEGMENT = CHUNKS_PER_TIER / ((AVERAGE_VALUE_BYTES + 16 + 8 + CHUNK_BYTES - 1) / CHUNK_BYTES);
    /** Per-entry bytes counted by {@link #inUseBytes()} besides key and value (Chronicle entry header estimate). */
    static final int ENTRY_OVERHEAD_BYTES = 8;

    private static final byte TOMBSTONE = 1;
    private static final byte PUT = 0;

    private final ChronicleMap<byte[], byte[]> map;
    private volatile File file;
    private final AtomicLong inUseBytes = new AtomicLong();

    private RevisionStore(ChronicleMap<byte[], byte[]> map, File file) {
        this.map = map;
        this.file = file;
    }

    /**
     * Opens or creates the store file.
     *
     * @param file the map file (e.g. {@code member/snap/revisions.cm3})
     * @param expectedEntries sizing hint: revisions expected to be held at once
     * @param recover true after an unclean stop: runs Chronicle Map's recovery
     *     ({@code recoverPersistedTo(file, true)}), which repairs segment locks and counters
     * @throws IOException if the file cannot be created, mapped or recovered
     */
    static RevisionStore open(Path file, long expectedEntries, boolean recover) throws IOException {
        ChronicleMapBuilder<byte[], byte[]> b = ChronicleMap.of(byte[].class, byte[].class)
                .name("vertcd-revisions")
                .constantKeySizeBySample(new byte[16])
                .averageValueSize(AVERAGE_VALUE_BYTES)
                .actualSegments(segments(expectedEntries))
                .entriesPerSegment(ENTRIES_PER_SEGMENT)
                .actualChunkSize(CHUNK_BYTES)
                .actualChunksPerSegmentTier(CHUNKS_PER_TIER)
                .maxChunksPerEntry(MAX_VALUE_BYTES / CHUNK_BYTES)
                .maxBloatFactor(50)
                .sparseFile(true);
        File f = file.toFile();
        ChronicleMap<byte[], byte[]> m = recover && f.exists() ? b.recoverPersistedTo(f, true) : b.createPersistedTo(f);
        return new RevisionStore(m, f);
    }

    /** Number of segments for the expected entries: a power of two, at least 4. */
    static int segments(long expectedEntries) {
        long need = Math.max(4, (expectedEntries + ENTRIES_PER_SEGMENT - 1) / ENTRIES_PER_SEGMENT);
        return (int) Math.min(1 << 16, Long.highestOneBit(need - 1) << 1);
    }

    static byte[] revKey(long main, long sub) {
        byte[] k = new byte[16];
        putLong(k, 0, main);
        putLong(k, 8, sub);
        return k;
    }

    private static void putLong(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    static long getLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }

    /**
     * Stores the KeyValue written at (main, sub). Writer only.
     *
     * @param tombstone true for a delete (kv then holds only the key)
     */
    void put(long main, long sub, boolean tombstone, KeyValue kv) {
        int size = kv.getSerializedSize();
        byte[] v = new byte[size + 1];
        v[0] = tombstone ? TOMBSTONE : PUT;
        CodedOutputStream out = CodedOutputStream.newInstance(v, 1, size);
        try {
            kv.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] old = store(main, sub, v);
        inUseBytes.addAndGet(v.length + 16 + ENTRY_OVERHEAD_BYTES);
        if (old != null) {
            inUseBytes.addAndGet(-(old.length + 16 + ENTRY_OVERHEAD_BYTES));
        }
    }

    /**
     * Stores a raw value as {@link #forEach} hands it out (flag byte + KeyValue bytes). Writer only.
     *
     * @throws IllegalArgumentException if the value is empty or its flag byte is unknown
     */
    void putRaw(long main, long sub, byte[] value) {
        if (value.length == 0 || (value[0] != PUT && value[0] != TOMBSTONE)) {
            throw new IllegalArgumentException("not a revision store value at (" + main + ", " + sub + ")");
        }
        byte[] old = store(main, sub, value);
        inUseBytes.addAndGet(value.length + 16 + ENTRY_OVERHEAD_BYTES);
        if (old != null) {
            inUseBytes.addAndGet(-(old.length + 16 + ENTRY_OVERHEAD_BYTES));
        }
    }

    /** map.put, with the map's own failures (full, I/O) as {@link StoreFailure}. */
    private byte[] store(long main, long sub, byte[] value) {
        try {
            return map.put(revKey(main, sub), value);
        } catch (RuntimeException e) {
            throw new StoreFailure("revision store write at (" + main + ", " + sub + ") failed", e);
        }
    }

    /** @return the KeyValue stored at (main, sub), or null if absent (never written, rolled back or compacted). */
    KeyValue get(long main, long sub) {
        byte[] v = map.get(revKey(main, sub));
        return v == null ? null : decode(v);
    }

    /** @return the raw value at (main, sub): flag byte + KeyValue bytes; null if absent. */
    byte[] getRaw(long main, long sub) {
        return map.get(revKey(main, sub));
    }

    static KeyValue decode(byte[] v) {
        try {
            return KeyValue.parser().parseFrom(v, 1, v.length - 1);
        } catch (InvalidProtocolBufferException e) {
            throw new StoreFailure("corrupt revision store entry", e);
        }
    }

    static boolean isTombstone(byte[] v) {
        return v[0] == TOMBSTONE;
    }

    /** Removes (main, sub). Writer only. @return true if it was present. */
    boolean remove(long main, long sub) {
        byte[] old;
        try {
            old = map.remove(revKey(main, sub));
        } catch (RuntimeException e) {
            throw new StoreFailure("revision store delete at (" + main + ", " + sub + ") failed", e);
        }
        if (old == null) {
            return false;
        }
        inUseBytes.addAndGet(-(old.length + 16 + ENTRY_OVERHEAD_BYTES));
        return true;
    }

    /** Receives entries during {@link #forEach}. */
    interface EntryVisitor {
        /** @param value flag byte + KeyValue bytes (see class doc) */
        void visit(long main, long sub, byte[] value);
    }

    /**
     * Visits every entry in hash order (not revision order) and recomputes {@link #inUseBytes()}.
     * Writer only, with no concurrent writes.
     */
    void forEach(EntryVisitor visitor) {
        long[] total = {0};
        map.forEach((k, v) -> {
            total[0] += v.length + 16 + ENTRY_OVERHEAD_BYTES;
            visitor.visit(getLong(k, 0), getLong(k, 8), v);
        });
        inUseBytes.set(total[0]);
    }

    /**
     * Copies every entry with main revision <= {@code maxMain} into {@code target} (putRaw). Safe while the writer goes
     * on: Chronicle Map iterates one segment at a time under that segment's lock.
     */
    void copyTo(RevisionStore target, long maxMain) {
        map.forEach((k, v) -> {
            long main = getLong(k, 0);
            if (main <= maxMain) {
                target.putRaw(main, getLong(k, 8), v);
            }
        });
    }

    /** The map file was renamed to {@code path} (defragmentation): later syncs and sizes use that name. */
    void retarget(Path path) {
        this.file = path.toFile();
    }

    /** @return the number of stored revisions. */
    long size() {
        return map.longSize();
    }

    /**
     * Makes everything written so far durable: msync of the mapping, then fsync of the file (which
     * on Linux also writes back pages dirtied through any other mapping of it, e.g. extra tiers).
     * Blocking I/O.
     */
    void sync() throws IOException {
        if (map instanceof VanillaChronicleHash<?, ?, ?, ?> h) {
            h.msync();
        }
        try (FileChannel ch = FileChannel.open(file.toPath(), StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** @return bytes of mapped memory the map uses (Chronicle offHeapMemoryUsed): its allocated tiers. */
    long allocatedBytes() {
        return map.offHeapMemoryUsed();
    }

    /** @return bytes of entry space in use across all segment tiers (Chronicle segmentStats usedBytes). O(segments). */
    long usedBytes() {
        long used = 0;
        for (ChronicleMap.SegmentStats st : map.segmentStats()) {
            used += st.usedBytes();
        }
        return used;
    }

    /**
     * @return bytes of the map file backed by disk blocks (the file is sparse and pre-sized, so its length says
     *     nothing): the sum of its data extents, walked with {@code lseek(SEEK_DATA / SEEK_HOLE)}; -1 if the
     *     platform cannot tell. O(extents) system calls.
     */
    long diskBytes() {
        return DiskUsage.allocatedBytes(file.toPath());
    }

    /** @return bytes of live entries: key + value + {@value #ENTRY_OVERHEAD_BYTES} per revision. */
    long inUseBytes() {
        return inUseBytes.get();
    }

    /** @return the map file. */
    File file() {
        return file;
    }

    @Override
    public void close() {
        map.close();
    }
}
