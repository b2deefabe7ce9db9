package io.vertcd.statemachine.bbolt;

import static io.vertcd.statemachine.bbolt.BoltFormat.BRANCH_PAGE;
import static io.vertcd.statemachine.bbolt.BoltFormat.BUCKET_HEADER_SIZE;
import static io.vertcd.statemachine.bbolt.BoltFormat.BUCKET_LEAF_FLAG;
import static io.vertcd.statemachine.bbolt.BoltFormat.ELEMENT_SIZE;
import static io.vertcd.statemachine.bbolt.BoltFormat.LEAF_PAGE;
import static io.vertcd.statemachine.bbolt.BoltFormat.MAGIC;
import static io.vertcd.statemachine.bbolt.BoltFormat.META_CHECKSUM_OFFSET;
import static io.vertcd.statemachine.bbolt.BoltFormat.META_SIZE;
import static io.vertcd.statemachine.bbolt.BoltFormat.PAGE_HEADER_SIZE;
import static io.vertcd.statemachine.bbolt.BoltFormat.VERSION;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a bbolt database file (written by real bbolt or by {@link BoltWriter}) without mapping it: picks the valid
 * meta page with the highest transaction id (checksum, magic, version), then walks bucket trees page by page.
 *
 * <p>Everything read is checked before it is used, so a damaged or hostile file fails with a
 * {@link BoltFormatException} naming the problem, never a loop or an allocation beyond the file's size: page ids must
 * lie below the high-water mark and inside the file, a page's header must carry its own id and the expected type,
 * elements must lie inside their page, a tree deeper than {@value #MAX_DEPTH} levels or a page reached twice is
 * refused, and keys must ascend through a bucket.
 *
 * <p>Blocking I/O; one reader is not thread-safe.
 */
public final class BoltReader implements AutoCloseable {
    /** Deepest tree accepted (bbolt trees of any real size are a handful of levels deep). */
    static final int MAX_DEPTH = 64;

    private final FileChannel channel;
    private final long fileSize;
    private final int pageSize;
    private final long rootPgid;
    private final long highWater;
    private final long txid;

    /** Receives a bucket's entries in key order. */
    public interface Visitor {
        /**
         * @param key the key
         * @param value the value; for a nested bucket, null
         * @param bucket true if the entry is a nested bucket
         */
        void visit(byte[] key, byte[] value, boolean bucket) throws IOException;
    }

    private BoltReader(FileChannel channel, long fileSize, int pageSize, long rootPgid, long highWater, long txid) {
        this.channel = channel;
        this.fileSize = fileSize;
        this.pageSize = pageSize;
        this.rootPgid = rootPgid;
        this.highWater = highWater;
        this.txid = txid;
    }

    /**
     * Opens {@code file} read-only and validates its meta pages.
     *
     * @throws BoltFormatException if neither meta page is valid, or the file is shorter than the database it describes
     * @throws IOException if it cannot be read
     */
    public static BoltReader open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return open(ch, file);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static BoltReader open(FileChannel ch, Path file) throws IOException {
        long size = ch.size();
        if (size < PAGE_HEADER_SIZE + META_SIZE) {
            throw new BoltFormatException(file + ": file size too small (" + size + " bytes) for a bbolt database");
        }
        ByteBuffer meta0 = readMeta(ch, 0, size);
        String problem0 = validate(meta0);
        int firstPageSize = problem0 == null ? meta0.getInt(PAGE_HEADER_SIZE + 8) : 4096;
        ByteBuffer meta1 = readMeta(ch, firstPageSize, size);
        String problem1 = meta1 == null ? "missing" : validate(meta1);
        ByteBuffer meta;
        if (problem0 == null && problem1 == null) {
            meta = meta1.getLong(PAGE_HEADER_SIZE + 48) > meta0.getLong(PAGE_HEADER_SIZE + 48) ? meta1 : meta0;
        } else if (problem0 == null) {
            meta = meta0;
        } else if (problem1 == null) {
            meta = meta1;
        } else {
            throw new BoltFormatException(file + ": not a valid bbolt database (meta page 0: " + problem0
                    + "; meta page 1: " + problem1 + ")");
        }
        int m = PAGE_HEADER_SIZE;
        int pageSize = meta.getInt(m + 8);
        long root = meta.getLong(m + 16);
        long highWater = meta.getLong(m + 40);
        long txid = meta.getLong(m + 48);
        if (highWater < 3 || highWater > size / pageSize) {
            throw new BoltFormatException(file + ": truncated: the database has " + highWater + " pages of " + pageSize
                    + " bytes, the file " + size + " bytes");
        }
        if (root < 2 || root >= highWater) {
            throw new BoltFormatException(file + ": root bucket page " + root + " out of range (high-water mark "
                    + highWater + ")");
        }
        return new BoltReader(ch, size, pageSize, root, highWater, txid);
    }

    private static ByteBuffer readMeta(FileChannel ch, long offset, long size) throws IOException {
        if (offset + PAGE_HEADER_SIZE + META_SIZE > size) {
            return null;
        }
        ByteBuffer b = ByteBuffer.allocate(PAGE_HEADER_SIZE + META_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, b, offset);
        return b;
    }

    private static String validate(ByteBuffer p) {
        int m = PAGE_HEADER_SIZE;
        if ((p.getShort(8) & BoltFormat.META_PAGE) == 0 || p.getInt(m) != MAGIC) {
            return "invalid database";
        }
        if (p.getInt(m + 4) != VERSION) {
            return "version mismatch";
        }
        if (p.getLong(m + META_CHECKSUM_OFFSET) != BoltFormat.fnv64a(p.array(), m, META_CHECKSUM_OFFSET)) {
            return "checksum error";
        }
        int ps = p.getInt(m + 8);
        if (ps < 512 || ps > (1 << 20) || Integer.bitCount(ps) != 1) {
            return "page size " + ps + " out of range";
        }
        return null;
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long offset) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, offset + b.position());
            if (n < 0) {
                throw new BoltFormatException("unexpected end of file at byte " + (offset + b.position()));
            }
        }
    }

    /** @return the page size in bytes */
    public int pageSize() {
        return pageSize;
    }

    /** @return the database's size as bbolt reports it ({@code tx.Size()}): high-water mark times page size */
    public long size() {
        return highWater * pageSize;
    }

    /** @return the transaction id of the meta page in use */
    public long txid() {
        return txid;
    }

    /**
     * Visits the entries of the bucket at {@code path} ({@code []} = the top level, whose entries are buckets) in key
     * order.
     *
     * @return false if there is no such bucket
     * @throws BoltFormatException on any damage met on the way
     */
    public boolean forEach(List<byte[]> path, Visitor visitor) throws IOException {
        BucketRef ref = new BucketRef(rootPgid, null);
        for (byte[] name : path) {
            ref = child(ref, name);
            if (ref == null) {
                return false;
            }
        }
        walk(ref, visitor);
        return true;
    }

    /** @return the value of {@code key} in the bucket at {@code path}; null if absent (or a nested bucket) */
    public byte[] get(List<byte[]> path, byte[] key) throws IOException {
        byte[][] found = {null};
        forEach(path, (k, v, bucket) -> {
            if (!bucket && Arrays.equals(k, key)) {
                found[0] = v;
            }
        });
        return found[0];
    }

    /** @return the names of the top-level buckets, in order */
    public List<String> bucketNames() throws IOException {
        List<String> names = new ArrayList<>();
        forEach(List.of(), (k, v, bucket) -> names.add(new String(k, StandardCharsets.UTF_8)));
        return names;
    }

    /** A bucket's root: a page id, or (root 0) the inline page bytes. */
    private record BucketRef(long root, ByteBuffer inline) {}

    private BucketRef child(BucketRef parent, byte[] name) throws IOException {
        BucketRef[] found = {null};
        walkRaw(parent, (k, v, flags) -> {
            if (Arrays.equals(k, name)) {
                if ((flags & BUCKET_LEAF_FLAG) == 0) {
                    throw new BoltFormatException("'" + new String(name, StandardCharsets.UTF_8) + "' is not a bucket");
                }
                found[0] = bucketRef(v);
            }
        });
        return found[0];
    }

    private BucketRef bucketRef(byte[] value) throws BoltFormatException {
        if (value.length < BUCKET_HEADER_SIZE) {
            throw new BoltFormatException("bucket value of " + value.length + " bytes");
        }
        ByteBuffer v = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        long root = v.getLong(0);
        if (root == 0) {
            ByteBuffer page = ByteBuffer.wrap(Arrays.copyOfRange(value, BUCKET_HEADER_SIZE, value.length))
                    .order(ByteOrder.LITTLE_ENDIAN);
            if (page.capacity() < PAGE_HEADER_SIZE || (page.getShort(8) & LEAF_PAGE) == 0) {
                throw new BoltFormatException("inline bucket without a leaf page");
            }
            return new BucketRef(0, page);
        }
        return new BucketRef(root, null);
    }

    private interface RawVisitor {
        void visit(byte[] key, byte[] value, int flags) throws IOException;
    }

    private void walk(BucketRef ref, Visitor visitor) throws IOException {
        walkRaw(ref, (k, v, flags) -> {
            boolean bucket = (flags & BUCKET_LEAF_FLAG) != 0;
            if (bucket) {
                bucketRef(v); // validates the header
            }
            visitor.visit(k, bucket ? null : v, bucket);
        });
    }

    private void walkRaw(BucketRef ref, RawVisitor visitor) throws IOException {
        Walk w = new Walk(visitor);
        if (ref.inline() != null) {
            w.leaf(ref.inline(), "inline bucket");
        } else {
            w.page(ref.root(), 0);
        }
    }

    /** One traversal of one tree: the pages seen (a page reached twice means a cycle or shared page) and the last key. */
    private final class Walk {
        final RawVisitor visitor;
        final Set<Long> seen = new HashSet<>();
        byte[] lastKey;

        Walk(RawVisitor visitor) {
            this.visitor = visitor;
        }

        void page(long pgid, int depth) throws IOException {
            if (depth > MAX_DEPTH) {
                throw new BoltFormatException("tree deeper than " + MAX_DEPTH + " levels at page " + pgid);
            }
            if (!seen.add(pgid)) {
                throw new BoltFormatException("page " + pgid + " reached twice");
            }
            ByteBuffer p = readPage(pgid);
            int flags = p.getShort(8) & 0xffff;
            if ((flags & BRANCH_PAGE) != 0) {
                int count = elements(p, "page " + pgid);
                for (int i = 0; i < count; i++) {
                    int at = PAGE_HEADER_SIZE + i * ELEMENT_SIZE;
                    long child = p.getLong(at + 8);
                    int ksize = p.getInt(at + 4);
                    bytes(p, at, p.getInt(at), ksize, "page " + pgid);
                    page(child, depth + 1);
                }
            } else if ((flags & LEAF_PAGE) != 0) {
                leaf(p, "page " + pgid);
            } else {
                throw new BoltFormatException("page " + pgid + ": flags 0x" + Integer.toHexString(flags)
                        + " where a branch or leaf page belongs");
            }
        }

        void leaf(ByteBuffer p, String where) throws IOException {
            int count = elements(p, where);
            for (int i = 0; i < count; i++) {
                int at = PAGE_HEADER_SIZE + i * ELEMENT_SIZE;
                int flags = p.getInt(at);
                int pos = p.getInt(at + 4);
                int ksize = p.getInt(at + 8);
                int vsize = p.getInt(at + 12);
                byte[] key = bytes(p, at, pos, ksize, where);
                byte[] value = bytes(p, at, (long) pos + ksize, vsize, where);
                if (key.length == 0) {
                    throw new BoltFormatException(where + ": empty key");
                }
                if (lastKey != null && Arrays.compareUnsigned(lastKey, key) >= 0) {
                    throw new BoltFormatException(where + ": keys out of order");
                }
                lastKey = key;
                visitor.visit(key, value, flags);
            }
        }

        private int elements(ByteBuffer p, String where) throws BoltFormatException {
            int count = p.getShort(10) & 0xffff;
            if (PAGE_HEADER_SIZE + (long) count * ELEMENT_SIZE > p.capacity()) {
                throw new BoltFormatException(where + ": " + count + " elements do not fit in the page");
            }
            return count;
        }

        private byte[] bytes(ByteBuffer p, int element, long pos, int size, String where) throws BoltFormatException {
            long from = element + pos;
            if (size < 0 || pos < 0 || from + size > p.capacity()) {
                throw new BoltFormatException(where + ": element points outside its page");
            }
            byte[] b = new byte[size];
            p.get((int) from, b);
            return b;
        }
    }

    private ByteBuffer readPage(long pgid) throws IOException {
        if (pgid < 2 || pgid >= highWater) {
            throw new BoltFormatException("page id " + pgid + " out of range (high-water mark " + highWater + ")");
        }
        ByteBuffer header = ByteBuffer.allocate(PAGE_HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, header, pgid * pageSize);
        if (header.getLong(0) != pgid) {
            throw new BoltFormatException("page " + pgid + " carries id " + header.getLong(0));
        }
        long overflow = header.getInt(12) & 0xffffffffL;
        long bytes = (overflow + 1) * pageSize;
        if (pgid + overflow >= highWater || pgid * pageSize + bytes > fileSize || bytes > Integer.MAX_VALUE) {
            throw new BoltFormatException("page " + pgid + " with " + overflow + " overflow pages runs past the end");
        }
        ByteBuffer p = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, p, pgid * pageSize);
        return p;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
