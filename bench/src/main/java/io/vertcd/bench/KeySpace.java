package io.vertcd.bench;

import com.google.protobuf.ByteString;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The keys a workload touches, laid out exactly as etcd's {@code benchmark} tool lays them out
 * (etcd 3.4/3.5 {@code tools/benchmark/cmd/put.go}): a key is {@code keySize} bytes, all zero
 * except that the key's index in {@code [0, size)} is written at the start as a Go
 * {@code binary.PutVarint} (zig-zag, then base-128 little-endian groups).
 *
 * <p>Request number {@code seq} (0-based) maps to index {@code seq % size} when keys are
 * sequential ({@code --sequential-keys}), otherwise to a uniformly random index.
 * Immutable and thread-safe.
 */
public final class KeySpace {
  /** Longest varint Go writes for an int64 ({@code binary.MaxVarintLen64}). */
  static final int MAX_VARINT_BYTES = 10;

  private final int keySize;
  private final long size;
  private final boolean sequential;

  /**
   * @param keySize    bytes per key ({@code --key-size}); must hold the varint of {@code size - 1}
   * @param size       number of distinct keys ({@code --key-space-size}), at least 1
   * @param sequential {@code true} for {@code seq % size}, {@code false} for uniform random picks
   * @throws IllegalArgumentException if {@code size < 1} or {@code keySize} is too small for the
   *                                  largest index (etcd would panic on the slice write instead)
   */
  public KeySpace(int keySize, long size, boolean sequential) {
    if (size < 1) {
      throw new IllegalArgumentException("expected positive --key-space-size, got " + size);
    }
    int needed = varintLength(size - 1);
    if (keySize < needed) {
      throw new IllegalArgumentException("--key-size " + keySize + " is too small for --key-space-size "
          + size + ": the varint of the largest key index needs " + needed + " bytes");
    }
    this.keySize = keySize;
    this.size = size;
    this.sequential = sequential;
  }

  /** @return number of distinct keys */
  public long size() {
    return size;
  }

  /** @return bytes per key */
  public int keySize() {
    return keySize;
  }

  /** @return a key space with the same keys that always picks {@code seq % size} */
  public KeySpace sequentially() {
    return sequential ? this : new KeySpace(keySize, size, true);
  }

  /**
   * @param seq 0-based request number
   * @return the key index request {@code seq} uses, in {@code [0, size)}
   */
  public long indexFor(long seq) {
    return sequential ? Math.floorMod(seq, size) : ThreadLocalRandom.current().nextLong(size);
  }

  /** @return the key of request {@code seq}; see {@link #indexFor(long)} */
  public ByteString keyFor(long seq) {
    return key(indexFor(seq));
  }

  /**
   * @param index key index in {@code [0, size)}
   * @return the {@code keySize}-byte key for {@code index}
   */
  public ByteString key(long index) {
    byte[] k = new byte[keySize];
    putVarint(k, index);
    return ByteString.copyFrom(k);
  }

  /**
   * Writes {@code v} as Go's {@code binary.PutVarint} does: zig-zag encode, then unsigned varint.
   *
   * @return number of bytes written
   * @throws ArrayIndexOutOfBoundsException if {@code dst} is too short
   */
  static int putVarint(byte[] dst, long v) {
    long ux = (v << 1) ^ (v >> 63);
    int i = 0;
    while (Long.compareUnsigned(ux, 0x80) >= 0) {
      dst[i++] = (byte) (ux | 0x80);
      ux >>>= 7;
    }
    dst[i++] = (byte) ux;
    return i;
  }

  /** @return bytes {@link #putVarint} writes for {@code v} */
  static int varintLength(long v) {
    byte[] scratch = new byte[MAX_VARINT_BYTES];
    return putVarint(scratch, v);
  }
}
