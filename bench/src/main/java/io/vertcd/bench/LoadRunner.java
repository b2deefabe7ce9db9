package io.vertcd.bench;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Drives {@code --clients} concurrent clients over the given connections until {@code --total}
 * requests have completed, like etcd's benchmark: client {@code i} uses connection
 * {@code i % connections} and has at most one request outstanding; the next request number is
 * taken from a shared counter, so exactly {@code total} requests are sent whatever fails.
 *
 * <p>Each client runs on its connection's event loop and never blocks: a {@code --rate} wait is a
 * Vert.x timer. Nothing is queued beyond one in-flight request per client. The run is bounded:
 * every request ends with a response, the per-call deadline of {@link KvClient}, or a transport
 * failure, and a failed request counts as an error and the client moves on.
 */
public final class LoadRunner {
  private static final int HISTOGRAM_DIGITS = 3;

  private final Vertx vertx;
  private final List<KvClient> connections;
  private final int clients;
  private final long total;
  private final RateLimiter limiter;

  /**
   * @param connections open connections, at least one
   * @param clients     concurrent clients, &ge; 1
   * @param total       requests to send, &ge; 0
   * @param limiter     shared pacing, or {@code null} for no limit
   */
  public LoadRunner(Vertx vertx, List<KvClient> connections, int clients, long total, RateLimiter limiter) {
    if (connections.isEmpty()) {
      throw new IllegalArgumentException("no connection");
    }
    if (clients < 1) {
      throw new IllegalArgumentException("--clients must be positive: " + clients);
    }
    if (total < 0) {
      throw new IllegalArgumentException("--total must not be negative: " + total);
    }
    this.vertx = vertx;
    this.connections = List.copyOf(connections);
    this.clients = clients;
    this.total = total;
    this.limiter = limiter;
  }

  /**
   * Runs {@code workload} to completion. May be called again for another run.
   *
   * @return the counts and latencies; never fails (failures are counted in the result)
   */
  public Future<RunResult> run(Workload workload) {
    return new Run(workload).start();
  }

  /** State of one run: the shared request counter and the clients. */
  private final class Run {
    private final Workload workload;
    private final AtomicLong nextSeq = new AtomicLong();
    private final AtomicInteger running = new AtomicInteger(clients);
    private final Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();
    private final List<Client> all = new ArrayList<>(clients);
    private final Promise<RunResult> done = Promise.promise();
    private long startNanos;

    Run(Workload workload) {
      this.workload = workload;
    }

    Future<RunResult> start() {
      for (int i = 0; i < clients; i++) {
        all.add(new Client(this, connections.get(i % connections.size())));
      }
      startNanos = System.nanoTime();
      for (Client c : all) {
        c.kv.context().runOnContext(v -> c.next());
      }
      return done.future();
    }

    void clientFinished() {
      if (running.decrementAndGet() != 0) {
        return;
      }
      long elapsed = System.nanoTime() - startNanos;
      Histogram merged = new Histogram(HISTOGRAM_DIGITS);
      long successes = 0;
      long errors = 0;
      for (Client c : all) {
        merged.add(c.latency);
        successes += c.successes;
        errors += c.errors;
      }
      Map<String, Long> kinds = new TreeMap<>();
      errorKinds.forEach((k, v) -> kinds.put(k, v.sum()));
      done.complete(new RunResult(successes + errors, successes, errors, kinds, merged, elapsed));
    }
  }

  /** One client: at most one request in flight; its fields are only touched by its own chain. */
  private final class Client {
    private final Run run;
    private final KvClient kv;
    private final Histogram latency = new Histogram(HISTOGRAM_DIGITS);
    private long successes;
    private long errors;

    Client(Run run, KvClient kv) {
      this.run = run;
      this.kv = kv;
    }

    void next() {
      long seq = run.nextSeq.getAndIncrement();
      if (seq >= total) {
        run.clientFinished();
        return;
      }
      long waitNanos = limiter == null ? 0 : limiter.reserve();
      if (waitNanos > 0) {
        long waitMs = Math.max(1, (waitNanos + 999_999) / 1_000_000);
        vertx.setTimer(waitMs, id -> send(seq));
      } else {
        send(seq);
      }
    }

    private void send(long seq) {
      long start = System.nanoTime();
      Future<?> response;
      try {
        response = run.workload.issue(kv, seq);
      } catch (RuntimeException e) {
        response = Future.failedFuture(e);
      }
      response.onComplete(ar -> completed(ar, start));
    }

    private void completed(AsyncResult<?> ar, long start) {
      long end = System.nanoTime();
      if (ar.succeeded()) {
        latency.recordValue(Math.max(0, end - start));
        successes++;
        next();
      } else {
        errors++;
        run.errorKinds.computeIfAbsent(RpcFailure.describe(ar.cause()), k -> new LongAdder()).increment();
        // A failure may complete synchronously (closed connection): hop through the event loop
        // so a long run of failures cannot grow the stack.
        kv.context().runOnContext(v -> next());
      }
    }
  }
}
