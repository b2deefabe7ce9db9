package io.vertcd.statemachine.bbolt;

import static io.vertcd.statemachine.bbolt.BoltFormat.BRANCH_PAGE;
import static io.vertcd.statemachine.bbolt.BoltFormat.BUCKET_HEADER_SIZE;
import static io.vertcd.statemachine.bbolt.BoltFormat.BUCKET_LEAF_FLAG;
import static io.vertcd.statemachine.bbolt.BoltFormat.ELEMENT_SIZE;
import static io.vertcd.statemachine.bbolt.BoltFormat.FREELIST_PAGE;
import static io.vertcd.statemachine.bbolt.BoltFormat.LEAF_PAGE;
import static io.vertcd.statemachine.bbolt.BoltFormat.MAGIC;
import static io.vertcd.statemachine.bbolt.BoltFormat.MAX_KEY_SIZE;
import static io.vertcd.statemachine.bbolt.BoltFormat.META_CHECKSUM_OFFSET;
import static io.vertcd.statemachine.bbolt.BoltFormat.META_PAGE;
import static io.vertcd.statemachine.bbolt.BoltFormat.META_SIZE;
import static io.vertcd.statemachine.bbolt.BoltFormat.PAGE_HEADER_SIZE;
import static io.vertcd.statemachine.bbolt.BoltFormat.VERSION;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * Writes a new bbolt database file in one pass, as a bulk load: buckets and keys arrive in ascending order, each
 * B+tree is built bottom-up (leaf pages filled up to the page size, then branch pages over them), and the file ends up
 * with no free page: pages 0 and 1 are the meta pages, page 2 the (empty) freelist, pages 3.. the trees. Real bbolt
 * opens it, reads it, checks it ({@code tx.Check}) and writes into it.
 *
 * <p>Usage: {@link #create}, then for each top-level bucket in name order {@link #beginBucket}, {@link #put} its keys
 * in ascending order (nested {@link #beginBucket}/{@link #endBucket} pairs are keys of the bucket too, in the same
 * order), {@link #endBucket}; finally {@link #finish} (writes the freelist and meta pages, fsyncs). A small bucket with
 * no nested bucket is stored inline in its parent's leaf, as bbolt does ({@code Bucket.inlineable}: at most a quarter
 * of a page).
 *
 * <p>Memory: one pending page per tree level of each open bucket. Blocking I/O: a worker thread's job.
 */
public final class BoltWriter implements AutoCloseable {
    /** The page size written (bbolt uses the OS page size; 4096 on etcd's platforms). */
    public static final int PAGE_SIZE = 4096;

    private final FileChannel channel;
    private final Deque<BucketBuilder> open = new ArrayDeque<>();
    private long nextPage = 3;
    private boolean finished;

    private BoltWriter(FileChannel channel) {
        this.channel = channel;
        open.push(new BucketBuilder(null));
    }

    /**
     * Creates (or truncates) {@code file} for writing.
     *
     * @throws IOException if it cannot be created
     */
    public static BoltWriter create(Path file) throws IOException {
        return new BoltWriter(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.READ));
    }

    /**
     * Opens a bucket named {@code name} inside the current bucket (or at the top level).
     *
     * @throws IllegalArgumentException if {@code name} is empty, too long, or not after the previous key
     */
    public void beginBucket(byte[] name) {
        BucketBuilder parent = current();
        parent.checkOrder(name);
        parent.hasBuckets = true;
        open.push(new BucketBuilder(name));
    }

    /**
     * Adds a key to the current bucket.
     *
     * @param key 1 to 32768 bytes, after every key so far in this bucket
     * @param value any bytes (empty allowed)
     * @throws IllegalArgumentException on a key out of order, an empty or too long key
     * @throws IllegalStateException outside a bucket
     */
    public void put(byte[] key, byte[] value) throws IOException {
        BucketBuilder b = current();
        if (b.name == null) {
            throw new IllegalStateException("bbolt holds only buckets at the top level");
        }
        b.checkOrder(key);
        b.add(0, new Element(key, value, 0));
    }

    /** Closes the current bucket and records it in its parent. */
    public void endBucket() throws IOException {
        BucketBuilder b = current();
        if (b.name == null) {
            throw new IllegalStateException("no bucket is open");
        }
        open.pop();
        current().add(0, new Element(b.name, b.finish(false), BUCKET_LEAF_FLAG));
    }

    /**
     * Ends the database: writes the root tree, the freelist and both meta pages, and fsyncs the file.
     *
     * @return the file's size in bytes (high-water mark times {@link #PAGE_SIZE})
     * @throws IllegalStateException if a bucket is still open
     */
    public long finish() throws IOException {
        if (open.size() != 1) {
            throw new IllegalStateException(open.size() - 1 + " bucket(s) still open");
        }
        byte[] rootValue = open.peek().finish(true);
        long rootPgid = ByteBuffer.wrap(rootValue).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        ByteBuffer freelist = page(PAGE_SIZE, 2, FREELIST_PAGE, 0, 0);
        writeAt(2, freelist.array());
        long highWater = nextPage;
        for (long txid = 0; txid < 2; txid++) {
            writeAt(txid, metaPage(txid, rootPgid, highWater));
        }
        channel.force(true);
        finished = true;
        return highWater * PAGE_SIZE;
    }

    private static byte[] metaPage(long txid, long rootPgid, long highWater) {
        ByteBuffer p = page(PAGE_SIZE, txid, META_PAGE, 0, 0);
        int m = PAGE_HEADER_SIZE;
        p.putInt(m, MAGIC).putInt(m + 4, VERSION).putInt(m + 8, PAGE_SIZE).putInt(m + 12, 0)
                .putLong(m + 16, rootPgid).putLong(m + 24, 0)
                .putLong(m + 32, 2).putLong(m + 40, highWater).putLong(m + 48, txid);
        p.putLong(m + META_CHECKSUM_OFFSET, BoltFormat.fnv64a(p.array(), m, META_CHECKSUM_OFFSET));
        assert META_SIZE == META_CHECKSUM_OFFSET + 8;
        return p.array();
    }

    private BucketBuilder current() {
        if (finished) {
            throw new IllegalStateException("finished");
        }
        return open.peek();
    }

    private static ByteBuffer page(int bytes, long id, int flags, int count, int overflow) {
        ByteBuffer p = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        p.putLong(0, id).putShort(8, (short) flags).putShort(10, (short) count).putInt(12, overflow);
        return p;
    }

    private void writeAt(long pgid, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long pos = pgid * PAGE_SIZE;
        while (b.hasRemaining()) {
            pos += channel.write(b, pos);
        }
    }

    /** Writes a page built from {@code elements} at the next free page id. @return its pgid */
    private long writePage(List<Element> elements, boolean leaf) throws IOException {
        int used = pageBytes(elements);
        int pages = (used + PAGE_SIZE - 1) / PAGE_SIZE;
        long pgid = nextPage;
        nextPage += pages;
        writeAt(pgid, encode(elements, leaf, pgid, pages * PAGE_SIZE, pages - 1));
        return pgid;
    }

    private static int pageBytes(List<Element> elements) {
        int used = PAGE_HEADER_SIZE;
        for (Element e : elements) {
            used += e.size();
        }
        return used;
    }

    /** The bytes of a branch or leaf page (bbolt node.write): header, elements, then keys and values in order. */
    private static byte[] encode(List<Element> elements, boolean leaf, long pgid, int bytes, int overflow) {
        ByteBuffer p = page(bytes, pgid, leaf ? LEAF_PAGE : BRANCH_PAGE, elements.size(), overflow);
        int data = PAGE_HEADER_SIZE + elements.size() * ELEMENT_SIZE;
        for (int i = 0; i < elements.size(); i++) {
            Element e = elements.get(i);
            int at = PAGE_HEADER_SIZE + i * ELEMENT_SIZE;
            if (leaf) {
                p.putInt(at, e.flags).putInt(at + 4, data - at).putInt(at + 8, e.key.length).putInt(at + 12, e.value.length);
            } else {
                p.putInt(at, data - at).putInt(at + 4, e.key.length).putLong(at + 8, e.child);
            }
            p.put(data, e.key);
            data += e.key.length;
            if (leaf) {
                p.put(data, e.value);
                data += e.value.length;
            }
        }
        return p.array();
    }

    /** A leaf element (key, value, flags) or a branch element (key, child pgid). */
    private record Element(byte[] key, byte[] value, int flags, long child) {
        Element(byte[] key, byte[] value, int flags) {
            this(key, value, flags, 0);
        }

        static Element branch(byte[] key, long child) {
            return new Element(key, null, 0, child);
        }

        int size() {
            return ELEMENT_SIZE + key.length + (value == null ? 0 : value.length);
        }
    }

    /** One bucket being written: a pending page per level (0 = leaves) and how many pages each level has written. */
    private final class BucketBuilder {
        final byte[] name;
        final List<List<Element>> pending = new ArrayList<>();
        final List<Integer> pendingBytes = new ArrayList<>();
        final List<Integer> written = new ArrayList<>();
        byte[] lastKey;
        boolean hasBuckets;

        BucketBuilder(byte[] name) {
            this.name = name;
            level(0);
        }

        void checkOrder(byte[] key) {
            if (key.length == 0 || key.length > MAX_KEY_SIZE) {
                throw new IllegalArgumentException("bbolt key of " + key.length + " bytes (1 to " + MAX_KEY_SIZE + ")");
            }
            if (lastKey != null && Arrays.compareUnsigned(lastKey, key) >= 0) {
                throw new IllegalArgumentException("keys must be written in ascending order");
            }
            lastKey = key;
        }

        private void level(int i) {
            while (pending.size() <= i) {
                pending.add(new ArrayList<>());
                pendingBytes.add(PAGE_HEADER_SIZE);
                written.add(0);
            }
        }

        void add(int level, Element e) throws IOException {
            level(level);
            if (!pending.get(level).isEmpty() && pendingBytes.get(level) + e.size() > PAGE_SIZE) {
                flush(level);
            }
            pending.get(level).add(e);
            pendingBytes.set(level, pendingBytes.get(level) + e.size());
        }

        /** Writes level {@code i}'s pending page and adds it to level {@code i + 1}. */
        void flush(int i) throws IOException {
            List<Element> page = pending.get(i);
            byte[] first = page.isEmpty() ? null : page.get(0).key;
            long pgid = writePage(page, i == 0);
            written.set(i, written.get(i) + 1);
            pending.set(i, new ArrayList<>());
            pendingBytes.set(i, PAGE_HEADER_SIZE);
            add(i + 1, Element.branch(first == null ? new byte[0] : first, pgid));
        }

        /** @return this bucket's value in its parent: header (root pgid, sequence 0), plus the page if inline */
        byte[] finish(boolean root) throws IOException {
            List<Element> leaves = pending.get(0);
            int leafBytes = pendingBytes.get(0);
            if (!root && !hasBuckets && written.get(0) == 0 && leafBytes <= PAGE_SIZE / 4) {
                byte[] inline = encode(leaves, true, 0, leafBytes, 0);
                ByteBuffer v = ByteBuffer.allocate(BUCKET_HEADER_SIZE + inline.length).order(ByteOrder.LITTLE_ENDIAN);
                v.putLong(0L).putLong(0L).put(inline);
                return v.array();
            }
            long rootPgid;
            for (int i = 0; ; i++) {
                if (!pending.get(i).isEmpty() || written.get(i) == 0) {
                    flush(i);
                }
                if (written.get(i) == 1) {
                    rootPgid = pending.get(i + 1).get(0).child;
                    break;
                }
            }
            ByteBuffer v = ByteBuffer.allocate(BUCKET_HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            v.putLong(rootPgid).putLong(0L);
            return v.array();
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
