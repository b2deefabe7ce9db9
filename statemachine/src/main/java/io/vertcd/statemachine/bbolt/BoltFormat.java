package io.vertcd.statemachine.bbolt;

/**
 * Constants of bbolt's file format (etcd-io/bbolt internal/common: page.go, meta.go, bucket.go, types.go), shared by
 * {@link BoltWriter} and {@link BoltReader}. Every integer in the file is little-endian (bbolt writes its structs in
 * the machine's byte order; etcd runs on little-endian machines).
 *
 * <pre>
 * page header (16 bytes): id u64, flags u16, count u16, overflow u32 (pages that follow this one)
 * meta (at offset 16 of pages 0 and 1, 64 bytes): magic u32, version u32, pageSize u32, flags u32,
 *     root bucket (root pgid u64, sequence u64), freelist pgid u64, high-water mark pgid u64, txid u64,
 *     checksum u64 = FNV-1a 64 of the 56 bytes before it
 * branch element (16 bytes): pos u32 (from the element to its key), ksize u32, child pgid u64
 * leaf element (16 bytes): flags u32 (1 = the value is a bucket), pos u32, ksize u32, vsize u32
 * bucket value: root pgid u64, sequence u64; root 0 = inline bucket, a leaf page follows in the value itself
 * freelist page: count = number of free ids (0xFFFF: the first u64 holds it), then the ids as u64
 * </pre>
 */
final class BoltFormat {
    static final int PAGE_HEADER_SIZE = 16;
    static final int ELEMENT_SIZE = 16;
    static final int BUCKET_HEADER_SIZE = 16;
    static final int META_SIZE = 64;
    static final int META_CHECKSUM_OFFSET = 56;
    static final int MAGIC = 0xED0CDAED;
    static final int VERSION = 2;
    static final int BRANCH_PAGE = 0x01;
    static final int LEAF_PAGE = 0x02;
    static final int META_PAGE = 0x04;
    static final int FREELIST_PAGE = 0x10;
    static final int BUCKET_LEAF_FLAG = 0x01;
    static final long NO_FREELIST = -1L;
    /** bbolt MaxKeySize. */
    static final int MAX_KEY_SIZE = 32768;
    /** bbolt MaxValueSize, (1 << 31) - 2. */
    static final int MAX_VALUE_SIZE = Integer.MAX_VALUE - 1;

    private BoltFormat() {
    }

    /** FNV-1a 64 over {@code len} bytes (Go hash/fnv New64a), the meta page checksum. */
    static long fnv64a(byte[] b, int off, int len) {
        long h = 0xcbf29ce484222325L;
        for (int i = off; i < off + len; i++) {
            h ^= b[i] & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
