package io.vertcd.statemachine.bbolt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Whatever {@link BoltWriter} writes, {@link BoltReader} reads back unchanged and in order. */
class BoltRoundTripProperties {
    private static final java.util.Comparator<byte[]> UNSIGNED = Arrays::compareUnsigned;

    @Property(tries = 60)
    void writtenBucketsReadBack(@ForAll("databases") Map<byte[], Map<byte[], byte[]>> db) throws IOException {
        Path file = Files.createTempFile("bolt", ".db");
        try {
            try (BoltWriter w = BoltWriter.create(file)) {
                for (var bucket : db.entrySet()) {
                    w.beginBucket(bucket.getKey());
                    for (var e : bucket.getValue().entrySet()) {
                        w.put(e.getKey(), e.getValue());
                    }
                    w.endBucket();
                }
                long size = w.finish();
                assertEquals(Files.size(file), size);
            }
            try (BoltReader r = BoltReader.open(file)) {
                List<byte[]> names = new ArrayList<>();
                r.forEach(List.of(), (k, v, bucket) -> names.add(k));
                assertEquals(db.size(), names.size());
                int i = 0;
                for (var bucket : db.entrySet()) {
                    assertArrayEquals(bucket.getKey(), names.get(i++));
                    List<byte[][]> read = new ArrayList<>();
                    r.forEach(List.of(bucket.getKey()), (k, v, b) -> read.add(new byte[][] {k, v}));
                    assertEquals(bucket.getValue().size(), read.size());
                    int j = 0;
                    for (var e : bucket.getValue().entrySet()) {
                        assertArrayEquals(e.getKey(), read.get(j)[0]);
                        assertArrayEquals(e.getValue(), read.get(j)[1]);
                        j++;
                    }
                }
            }
        } finally {
            Files.delete(file);
        }
    }

    @Provide
    Arbitrary<Map<byte[], Map<byte[], byte[]>>> databases() {
        Arbitrary<byte[]> keys = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(40);
        Arbitrary<byte[]> values = Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(64),
                Arbitraries.bytes().array(byte[].class).ofMinSize(3000).ofMaxSize(20_000));
        Arbitrary<Map<byte[], byte[]>> bucket = Arbitraries.maps(keys, values).ofMaxSize(700)
                .map(m -> sorted(m));
        return Arbitraries.maps(keys, bucket).ofMinSize(1).ofMaxSize(6).map(m -> sorted(m));
    }

    private static <V> Map<byte[], V> sorted(Map<byte[], V> m) {
        TreeMap<byte[], V> t = new TreeMap<>(UNSIGNED);
        t.putAll(m);
        return t;
    }
}
