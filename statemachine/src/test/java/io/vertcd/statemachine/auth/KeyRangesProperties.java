package io.vertcd.statemachine.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * {@link KeyRanges} against a brute-force model: every key of up to three bytes over {0x00, 'a', 'b'} is checked
 * against the raw permissions (etcd's rules: empty range_end = the key, "\0" = from the key on).
 */
class KeyRangesProperties {
    private static final byte[] ALPHABET = {0, 'a', 'b'};
    private static final List<byte[]> UNIVERSE = universe();

    private static List<byte[]> universe() {
        List<byte[]> keys = new ArrayList<>();
        keys.add(new byte[0]);
        for (int i = 0; i < keys.size(); i++) {
            byte[] k = keys.get(i);
            if (k.length < 3) {
                for (byte c : ALPHABET) {
                    byte[] n = Arrays.copyOf(k, k.length + 1);
                    n[k.length] = c;
                    keys.add(n);
                }
            }
        }
        return keys;
    }

    /** A permission: key (non-empty) and range end (empty, "\0", or a key). */
    record Perm(byte[] key, byte[] end) {
        boolean covers(byte[] k) {
            if (end.length == 0) {
                return Arrays.equals(k, key);
            }
            boolean open = end.length == 1 && end[0] == 0;
            return Arrays.compareUnsigned(k, key) >= 0 && (open || Arrays.compareUnsigned(k, end) < 0);
        }
    }

    @Provide
    Arbitrary<List<Perm>> perms() {
        Arbitrary<byte[]> key = Arbitraries.of(UNIVERSE).filter(k -> k.length > 0);
        Arbitrary<byte[]> end = Arbitraries.oneOf(Arbitraries.just(new byte[0]), Arbitraries.just(new byte[] {0}),
                Arbitraries.of(UNIVERSE).filter(k -> k.length > 0));
        return net.jqwik.api.Combinators.combine(key, end).as(Perm::new).list().ofMaxSize(6);
    }

    @Provide
    Arbitrary<byte[]> keys() {
        return Arbitraries.of(UNIVERSE).filter(k -> k.length > 0);
    }

    private static KeyRanges build(List<Perm> perms) {
        KeyRanges.Builder b = new KeyRanges.Builder();
        perms.forEach(p -> b.addPermission(p.key(), p.end()));
        return b.build();
    }

    @Property
    void aKeyIsAllowedExactlyWhenSomePermissionCoversIt(@ForAll("perms") List<Perm> perms, @ForAll("keys") byte[] key) {
        boolean model = perms.stream().anyMatch(p -> p.covers(key));
        assertEquals(model, build(perms).containsKey(key));
    }

    @Property
    void anAllowedRangeHasEveryKeyInItCovered(@ForAll("perms") List<Perm> perms, @ForAll("keys") byte[] from,
            @ForAll("keys") byte[] to) {
        KeyRanges ranges = build(perms);
        if (ranges.containsRange(from, to)) {
            for (byte[] k : UNIVERSE) {
                if (Arrays.compareUnsigned(k, from) >= 0 && Arrays.compareUnsigned(k, to) < 0) {
                    assertTrue(perms.stream().anyMatch(p -> p.covers(k)), "range allowed but key not covered");
                }
            }
        }
    }

    @Test
    void rangesJoinAcrossRolesAndFromKeyIsOpenEnded() {
        KeyRanges r = new KeyRanges.Builder()
                .addPermission(b("a"), b("c"))
                .addPermission(b("c"), b("e"))
                .addPermission(b("x"), new byte[] {0})
                .build();
        assertTrue(r.containsRange(b("a"), b("e")), "[a,c) + [c,e) cover [a,e)");
        assertFalse(r.containsRange(b("a"), b("f")));
        assertTrue(r.containsRange(b("x"), new byte[] {0}), "from-key x covers [x, end)");
        assertTrue(r.containsKey(b("zzzz")));
        assertFalse(r.containsKey(b("e")));
        KeyRanges point = new KeyRanges.Builder().addPermission(b("foo"), new byte[0]).build();
        assertTrue(point.containsKey(b("foo")));
        assertFalse(point.containsKey(b("foo1")));
        assertFalse(point.containsRange(b("foo"), b("fop")), "a single key does not cover a range");
    }

    private static byte[] b(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
