package io.vertcd.statemachine;

import static io.vertcd.statemachine.Reqs.op;
import static io.vertcd.statemachine.Reqs.put;
import static io.vertcd.statemachine.Reqs.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.TxnRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Readers on other threads see whole revisions only, while the apply thread writes and compacts. */
class ConcurrentReadTest extends StoreFixture {

    @Test
    void readersNeverSeeHalfATxn() throws Exception {
        int writes = 1500;
        AtomicBoolean done = new AtomicBoolean();
        ConcurrentLinkedQueue<Throwable> problems = new ConcurrentLinkedQueue<>();
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            Thread th = new Thread(() -> {
                long lastRev = 0;
                try {
                    while (!done.get()) {
                        RangeResponse r = kv.range(range("x", "z"));
                        long rev = r.getHeader().getRevision();
                        if (rev < lastRev) {
                            problems.add(new AssertionError("revision went back: " + lastRev + " -> " + rev));
                        }
                        lastRev = rev;
                        if (r.getKvsCount() == 2) {
                            if (!r.getKvs(0).getValue().equals(r.getKvs(1).getValue())
                                    || r.getKvs(0).getModRevision() != r.getKvs(1).getModRevision()) {
                                problems.add(new AssertionError("half a txn: " + r.getKvsList()));
                            }
                        } else if (r.getKvsCount() != 0) {
                            problems.add(new AssertionError("one key without the other at " + rev + ": " + r.getKvsList()));
                        }
                        // history read racing compaction: data or COMPACTED, never garbage
                        long at = rev - 5;
                        if (at < 2) {
                            continue;
                        }
                        try {
                            RangeResponse old = kv.range(range("x", "z").toBuilder().setRevision(at).build());
                            if (old.getKvsCount() == 2 && !old.getKvs(0).getValue().equals(old.getKvs(1).getValue())) {
                                problems.add(new AssertionError("half a txn in history: " + old.getKvsList()));
                            }
                        } catch (EtcdException e) {
                            if (e.error() != EtcdError.COMPACTED) {
                                problems.add(e);
                            }
                        }
                    }
                } catch (Throwable e) {
                    problems.add(e);
                }
            });
            th.start();
            readers.add(th);
        }
        for (int i = 0; i < writes; i++) {
            String v = "v" + i;
            ok(TxnRequest.newBuilder().addSuccess(op(put("x", v))).addSuccess(op(put("y", v))).build());
            if (i % 100 == 99) {
                ok(Reqs.compact(0, kv.currentRevision() - 2));
                if (i % 500 == 499) {
                    kv.checkpoint(); // physical deletes happen here
                }
            }
        }
        done.set(true);
        for (Thread th : readers) {
            th.join();
        }
        assertTrue(problems.isEmpty(), () -> problems.size() + " problems, first: " + problems.peek());
        assertEquals(writes + 1, kv.currentRevision());
    }
}
