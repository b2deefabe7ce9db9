package io.vertcd.server.node;

import io.vertcd.log.WriteAheadLog;
import io.vertcd.server.cli.ServerConfig;
import io.vertcd.statemachine.KvStore;
import io.vertcd.statemachine.KvStoreOptions;
import io.vertcd.statemachine.lease.Lessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How this member's stores are opened, plugged together and closed, from its configuration. */
final class StoreFactory {
    /** Sizing hint for the KvStore's maps: number of keys expected. */
    static final long EXPECTED_KEYS = 1_000_000;

    private static final Logger LOG = LoggerFactory.getLogger(StoreFactory.class);

    private final ServerConfig config;

    StoreFactory(ServerConfig config) {
        this.config = config;
    }

    /** @return the KvStore's options: the backend quota (bytes) and the expected number of keys */
    KvStoreOptions options() {
        return new KvStoreOptions(config.quotaBackendBytes(), EXPECTED_KEYS);
    }

    /** @return a lessor plugged into {@code kv}; it takes the lease table stored with kv's checkpoint. Driver only. */
    Lessor newLessor(KvStore kv) {
        Lessor l = new Lessor(config.lessorOptions(), () -> System.nanoTime() / 1_000_000);
        kv.setLeaseStore(l);
        return l;
    }

    /** Closes the WAL (draining pending saves) and the store (KvStore.close checkpoints it). Worker thread; null-safe. */
    static void close(WriteAheadLog w, KvStore kv) {
        try {
            if (w != null) {
                w.close();
            }
        } catch (RuntimeException e) {
            LOG.warn("closing the write-ahead log failed", e);
        }
        try {
            if (kv != null) {
                kv.close();
            }
        } catch (RuntimeException e) {
            LOG.warn("closing the key-value store failed; the log will be re-applied at start-up", e);
        }
    }
}
