package io.vertcd.statemachine.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IntervalTreeTest {
    private record Iv(ByteString start, ByteString end, int id) {
        boolean contains(ByteString k) {
            var c = ByteString.unsignedLexicographicalComparator();
            return c.compare(start, k) <= 0 && (end == null || c.compare(k, end) < 0);
        }
    }

    private static ByteString key(Random r) {
        byte[] b = new byte[1 + r.nextInt(2)];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (0x60 + r.nextInt(8) + (r.nextInt(20) == 0 ? 0x90 : 0)); // some bytes >= 0x80 (unsigned order)
        }
        return ByteString.copyFrom(b);
    }

    @Test
    void stabMatchesBruteForceUnderInsertsAndRemovals() {
        Random r = new Random(7);
        IntervalTree<Integer> tree = new IntervalTree<>();
        List<Iv> live = new ArrayList<>();
        var c = ByteString.unsignedLexicographicalComparator();
        for (int step = 0; step < 4000; step++) {
            if (live.isEmpty() || r.nextInt(3) != 0) {
                ByteString a = key(r);
                ByteString b = r.nextInt(10) == 0 ? null : key(r);
                if (b != null && c.compare(a, b) >= 0) {
                    continue;
                }
                if (r.nextInt(4) == 0 && !live.isEmpty()) { // share an existing interval
                    Iv o = live.get(r.nextInt(live.size()));
                    a = o.start();
                    b = o.end();
                }
                Iv iv = new Iv(a, b, step);
                tree.add(a, b, step);
                live.add(iv);
            } else {
                Iv gone = live.remove(r.nextInt(live.size()));
                assertTrue(tree.remove(gone.start(), gone.end(), gone.id()));
                assertFalse(tree.remove(gone.start(), gone.end(), gone.id()));
            }
            assertEquals(live.size(), tree.size());
            if (step % 50 == 0) {
                for (int q = 0; q < 30; q++) {
                    ByteString k = key(r);
                    Set<Integer> want = new HashSet<>();
                    live.stream().filter(iv -> iv.contains(k)).forEach(iv -> want.add(iv.id()));
                    Set<Integer> got = new HashSet<>();
                    tree.stab(k, got::add);
                    assertEquals(want, got, "key " + k);
                }
            }
        }
    }
}
