package io.vertcd.tests.cluster;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Drives a random put/get/delete workload from several client threads (one jetcd client each, over
 * all endpoints, jetcd's retries off) and records every operation as a {@link KvOp}: invocation and
 * completion times from {@link System#nanoTime()}, values unique per put, and an unknown outcome
 * when a call fails or exceeds its timeout. Gets are linearizable (jetcd's default).
 */
public final class HistoryRecorder implements AutoCloseable {
    private final List<KvOp> history = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final List<Client> clients = new ArrayList<>();

    /**
     * Starts the clients.
     *
     * @param endpoints client URLs
     * @param clientCount number of concurrent clients (threads)
     * @param keys number of distinct keys ({@code k0..})
     * @param timeoutMs per-call timeout, ms; a call exceeding it has an unknown outcome
     * @param seed random seed of the workload
     */
    public HistoryRecorder(List<String> endpoints, int clientCount, int keys, long timeoutMs, long seed) {
        for (int c = 0; c < clientCount; c++) {
            Client client = Client.builder().endpoints(endpoints.toArray(String[]::new)).retryMaxAttempts(0).build();
            clients.add(client);
            int id = c;
            Random r = new Random(seed * 31 + c);
            Thread t = new Thread(() -> run(id, client.getKVClient(), r, keys, timeoutMs), "history-client-" + c);
            threads.add(t);
            t.start();
        }
    }

    private void run(int id, KV kv, Random r, int keys, long timeoutMs) {
        long seq = 0;
        while (running.get()) {
            String key = "k" + r.nextInt(keys);
            ByteSequence k = bs(key);
            int dice = r.nextInt(10);
            long invoke = System.nanoTime();
            try {
                if (dice < 4) {
                    String value = "c" + id + "-" + (seq++);
                    kv.put(k, bs(value)).get(timeoutMs, TimeUnit.MILLISECONDS);
                    history.add(KvOp.put(id, key, value, invoke, System.nanoTime()));
                } else if (dice < 8) {
                    GetResponse g = kv.get(k).get(timeoutMs, TimeUnit.MILLISECONDS);
                    String v = g.getKvs().isEmpty() ? null : g.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8);
                    history.add(KvOp.get(id, key, v, invoke, System.nanoTime()));
                } else {
                    kv.delete(k).get(timeoutMs, TimeUnit.MILLISECONDS);
                    history.add(KvOp.delete(id, key, invoke, System.nanoTime()));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                KvOp.Kind kind = dice < 4 ? KvOp.Kind.PUT : dice < 8 ? KvOp.Kind.GET : KvOp.Kind.DELETE;
                String value = kind == KvOp.Kind.PUT ? "c" + id + "-" + (seq - 1) : null;
                history.add(new KvOp(id, kind, key, value, invoke, Long.MAX_VALUE, true));
            }
        }
    }

    private static ByteSequence bs(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** @return a copy of the operations recorded so far */
    public List<KvOp> history() {
        synchronized (history) {
            return new ArrayList<>(history);
        }
    }

    /** Stops the clients (waits for their threads) and returns the full history. */
    public List<KvOp> stop() {
        running.set(false);
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return history();
    }

    @Override
    public void close() {
        stop();
        clients.forEach(Client::close);
    }
}
