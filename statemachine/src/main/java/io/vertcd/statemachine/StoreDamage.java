package io.vertcd.statemachine;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KeyValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Damages a stopped member's store on purpose, for fault-injection tests and drills of the corruption checks: it
 * rewrites the value of a key's newest revision in {@code member/snap/revisions.cm3} in place, leaving the
 * checkpoint as it is, as a silent disk fault or an edit behind the member's back would. Never used by the server.
 */
public final class StoreDamage {
    private StoreDamage() {}

    /**
     * @param snapDir the store directory of a member that is not running ({@code <data-dir>/member/snap})
     * @param key the key whose newest put gets another value
     * @param value the value written in its place
     * @return the main revision that was rewritten
     * @throws IOException if the store cannot be opened
     * @throws IllegalArgumentException if the key has no put in the store
     * @throws IllegalStateException if the store is open (its {@code OPEN} flag is there)
     */
    public static long overwriteNewestValue(Path snapDir, byte[] key, byte[] value) throws IOException {
        if (Files.exists(snapDir.resolve(KvStore.OPEN_FLAG))) {
            throw new IllegalStateException(snapDir + " is open or was not closed cleanly");
        }
        try (RevisionStore store = RevisionStore.open(snapDir.resolve(KvStore.MAP_FILE), 1, false)) {
            long[] newest = {-1, -1};
            KeyValue[] found = {null};
            store.forEach((main, sub, raw) -> {
                if (RevisionStore.isTombstone(raw)) {
                    return;
                }
                KeyValue kv = RevisionStore.decode(raw);
                if (Arrays.equals(kv.getKey().toByteArray(), key)
                        && (main > newest[0] || (main == newest[0] && sub > newest[1]))) {
                    newest[0] = main;
                    newest[1] = sub;
                    found[0] = kv;
                }
            });
            if (found[0] == null) {
                throw new IllegalArgumentException("no put of that key in " + snapDir);
            }
            store.put(newest[0], newest[1], false, found[0].toBuilder().setValue(ByteString.copyFrom(value)).build());
            store.sync();
            return newest[0];
        }
    }
}
