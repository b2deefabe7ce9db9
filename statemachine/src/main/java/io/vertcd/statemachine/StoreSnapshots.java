package io.vertcd.statemachine;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * A {@link KvStore} as a portable snapshot, to send to a member that is too far behind (etcd sends
 * its bbolt file for the same purpose, rafthttp/snapshot_sender.go). The Chronicle Map file itself is
 * sparse and pre-sized (hundreds of MB for a few KB of data), so it is not copied: the snapshot is two
 * files,
 * <ul>
 *   <li>{@value #MARKER_FILE}: the store's checkpoint marker as written by the checkpoint (applied
 *       index and term, revision, compacted revision, alarms, lease table; CRC-protected);</li>
 *   <li>{@value #EXPORT_FILE}: every stored revision as {@code int magic, int format}, then per
 *       revision {@code byte 1, long main, long sub, int length, value bytes} (the revision store's
 *       raw value: flag byte + KeyValue), then {@code byte 0, long count, int crc32} of all bytes
 *       before the CRC.</li>
 * </ul>
 * The exported state is the store's state at its applied index, which may be newer than the Raft
 * snapshot index the snapshot is sent for; that is safe because apply skips entries at or below the
 * store's applied index (the same rule as crash recovery, and as etcd's consistent index).
 *
 * <p>Blocking I/O, O(revisions): call on a worker thread, with no apply running on the store.
 */
public final class StoreSnapshots {
    /** Name of the exported revisions file. */
    public static final String EXPORT_FILE = "revisions.export";
    /** Name of the checkpoint marker file inside a snapshot. */
    public static final String MARKER_FILE = CheckpointMarker.FILE;
    private static final int MAGIC = 0x76637372; // "vcsr"
    private static final int FORMAT = 1;

    private StoreSnapshots() {
    }

    /**
     * Checkpoints {@code store} and writes its snapshot into {@code outDir} (created; must not hold a
     * snapshot already), fsyncing both files and the directory.
     *
     * @return the file names, relative to {@code outDir}
     * @throws IOException on any I/O failure (the directory may then hold partial files)
     */
    public static List<String> export(KvStore store, Path outDir) throws IOException {
        store.checkpoint();
        Files.createDirectories(outDir);
        Files.copy(store.dir().resolve(MARKER_FILE), outDir.resolve(MARKER_FILE), StandardCopyOption.REPLACE_EXISTING);
        fsync(outDir.resolve(MARKER_FILE));
        Path export = outDir.resolve(EXPORT_FILE);
        try (OutputStream file = Files.newOutputStream(export);
             CheckedOutputStream checked = new CheckedOutputStream(new BufferedOutputStream(file, 1 << 16), new CRC32());
             DataOutputStream out = new DataOutputStream(checked)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT);
            long[] count = {0};
            IOException[] failure = {null};
            store.revisionStore().forEach((main, sub, value) -> {
                if (failure[0] != null) {
                    return;
                }
                try {
                    out.writeByte(1);
                    out.writeLong(main);
                    out.writeLong(sub);
                    out.writeInt(value.length);
                    out.write(value);
                    count[0]++;
                } catch (IOException e) {
                    failure[0] = e;
                }
            });
            if (failure[0] != null) {
                throw failure[0];
            }
            out.writeByte(0);
            out.writeLong(count[0]);
            out.flush();
            int crc = (int) checked.getChecksum().getValue();
            out.writeInt(crc);
        }
        fsync(export);
        DurableFiles.syncDir(outDir);
        return List.of(MARKER_FILE, EXPORT_FILE);
    }

    /**
     * Builds a closed, cleanly checkpointed store in {@code newSnapDir} (created; must be empty or
     * absent) from a snapshot written by {@link #export}; {@link KvStore#open} then opens it without
     * recovery. Everything is fsynced.
     *
     * @param snapshotDir the received snapshot's directory
     * @param newSnapDir where to build the store
     * @param options sizing of the new store
     * @return the snapshot's applied index (the store's applied index once opened)
     * @throws IOException when a file is missing, truncated, fails its CRC, or on any I/O failure
     */
    public static long install(Path snapshotDir, Path newSnapDir, KvStoreOptions options) throws IOException {
        CheckpointMarker marker = CheckpointMarker.read(snapshotDir);
        if (marker == null) {
            throw new IOException("snapshot in " + snapshotDir + " has no " + MARKER_FILE);
        }
        Files.createDirectories(newSnapDir);
        try (var listing = Files.list(newSnapDir)) {
            if (listing.findAny().isPresent()) {
                throw new IOException(newSnapDir + " is not empty");
            }
        }
        RevisionStore store = RevisionStore.open(newSnapDir.resolve(KvStore.MAP_FILE),
                Math.max(1, options.expectedKeys()), false);
        try {
            scanExport(snapshotDir, (main, sub, offset, value) -> store.putRaw(main, sub, value));
            store.sync();
        } finally {
            store.close();
        }
        Files.copy(snapshotDir.resolve(MARKER_FILE), newSnapDir.resolve(MARKER_FILE));
        fsync(newSnapDir.resolve(MARKER_FILE));
        DurableFiles.syncDir(newSnapDir);
        return marker.appliedIndex();
    }

    /** Receives the entries of an export, in the export's order (hash order). */
    interface ExportVisitor {
        /**
         * @param offset where {@code value} starts in the export file
         * @param value the revision store's raw value (flag byte + KeyValue bytes)
         */
        void visit(long main, long sub, long offset, byte[] value) throws IOException;
    }

    /**
     * Reads the revisions file of an export written by {@link #export} in {@code snapshotDir}, checking its format,
     * count and CRC. Blocking I/O.
     *
     * @throws IOException when it is missing, truncated or fails its CRC or count (the visitor may have seen entries)
     */
    static void scanExport(Path snapshotDir, ExportVisitor visitor) throws IOException {
        try (InputStream file = Files.newInputStream(snapshotDir.resolve(EXPORT_FILE));
             CheckedInputStream checked = new CheckedInputStream(new BufferedInputStream(file, 1 << 16), new CRC32());
             DataInputStream in = new DataInputStream(checked)) {
            if (in.readInt() != MAGIC || in.readInt() != FORMAT) {
                throw new IOException("not a vertcd store snapshot: " + snapshotDir.resolve(EXPORT_FILE));
            }
            long offset = 8;
            long count = 0;
            while (in.readByte() == 1) {
                long main = in.readLong();
                long sub = in.readLong();
                int length = in.readInt();
                if (length <= 0 || length > RevisionStore.MAX_VALUE_BYTES + 1) {
                    throw new IOException("corrupt snapshot: value of " + length + " bytes at (" + main + ", " + sub + ")");
                }
                byte[] value = in.readNBytes(length);
                if (value.length != length) {
                    throw new EOFException("snapshot truncated at (" + main + ", " + sub + ")");
                }
                visitor.visit(main, sub, offset + 21, value);
                offset += 21 + length;
                count++;
            }
            long expected = in.readLong();
            int crc = (int) checked.getChecksum().getValue();
            if (in.readInt() != crc || expected != count) {
                throw new IOException("snapshot CRC or count mismatch in " + snapshotDir.resolve(EXPORT_FILE));
            }
        }
    }

    private static void fsync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }
}
