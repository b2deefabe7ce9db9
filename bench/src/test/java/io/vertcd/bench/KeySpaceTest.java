package io.vertcd.bench;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeySpaceTest {

  private static byte[] varint(long v) {
    byte[] buf = new byte[KeySpace.MAX_VARINT_BYTES];
    int n = KeySpace.putVarint(buf, v);
    byte[] out = new byte[n];
    System.arraycopy(buf, 0, out, 0, n);
    return out;
  }

  @Test
  void varintMatchesGoBinaryPutVarint() {
    // Go: binary.PutVarint zig-zags (0->0, -1->1, 1->2, ...) and writes 7-bit little-endian groups.
    assertArrayEquals(new byte[] {0}, varint(0));
    assertArrayEquals(new byte[] {2}, varint(1));
    assertArrayEquals(new byte[] {1}, varint(-1));
    assertArrayEquals(new byte[] {126}, varint(63));
    assertArrayEquals(new byte[] {(byte) 0x80, 0x01}, varint(64));
    assertArrayEquals(new byte[] {(byte) 0xAC, 0x02}, varint(150));
    assertEquals(10, varint(Long.MIN_VALUE).length);
    assertEquals(10, varint(Long.MAX_VALUE).length);
  }

  @Test
  void keyIsKeySizeBytesWithTheIndexVarintFirstAndZeroPadding() {
    KeySpace keys = new KeySpace(8, 1000, true);
    ByteString k = keys.key(150);
    assertEquals(8, k.size());
    assertArrayEquals(new byte[] {(byte) 0xAC, 0x02, 0, 0, 0, 0, 0, 0}, k.toByteArray());
    assertEquals(ByteString.copyFrom(new byte[8]), keys.key(0));
  }

  @Test
  void sequentialKeysWrapAroundTheKeySpace() {
    KeySpace keys = new KeySpace(8, 3, true);
    assertEquals(0, keys.indexFor(0));
    assertEquals(2, keys.indexFor(2));
    assertEquals(0, keys.indexFor(3));
    assertEquals(keys.key(1), keys.keyFor(4));
  }

  @Test
  void randomKeysStayInsideTheKeySpaceAndCoverIt() {
    KeySpace keys = new KeySpace(8, 5, false);
    Set<Long> seen = new HashSet<>();
    for (int i = 0; i < 2000; i++) {
      long idx = keys.indexFor(i);
      assertTrue(idx >= 0 && idx < 5, "index " + idx);
      seen.add(idx);
    }
    assertEquals(5, seen.size());
    assertEquals(keys.key(3), keys.sequentially().keyFor(3));
  }

  @Test
  void rejectsEmptyKeySpaceAndKeysTooShortForTheIndex() {
    assertThrows(IllegalArgumentException.class, () -> new KeySpace(8, 0, true));
    // 64 zig-zags to 128, which needs two varint bytes.
    assertThrows(IllegalArgumentException.class, () -> new KeySpace(1, 65, true));
    assertEquals(64, new KeySpace(1, 64, true).size());
  }
}
