package io.vertcd.bench;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.grpc.client.GrpcClientRequest;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code watch-latency}: one writer puts one key {@code --total} times, one put at a time, while
 * {@code --watchers} watchers (one Watch stream each, spread over {@code --conns} connections)
 * watch that key. For each put the latency is the time from the put's acknowledgement (its
 * response arriving) to the arrival of its event at the LAST of the watchers (0 if every watcher
 * had it before the acknowledgement); the next put starts once all watchers have the event. The
 * report is {@link Report}'s: {@code latency_p99_ms} is that delivery latency, {@code qps} the puts
 * per second of the whole cycle. Works against any etcd v3 endpoint.
 *
 * <p>Exit codes as {@link BenchCommand}: a put that fails or an event that does not reach every
 * watcher within {@code --request-timeout-ms} counts as an error.
 */
@Command(name = "watch-latency", mixinStandardHelpOptions = true,
    description = "Watch delivery latency: put acknowledgement to event arrival at all watchers")
public final class WatchLatencyCommand implements Callable<Integer> {
  @Mixin
  BenchOptions options;

  @Option(names = "--watchers", defaultValue = "100", description = "Watchers on the key, one stream each (default: ${DEFAULT-VALUE})")
  int watchers;

  @Spec
  CommandSpec spec;

  /** Arrivals of one revision's event. */
  private static final class Arrivals {
    final AtomicInteger count = new AtomicInteger();
    final AtomicLong lastNanos = new AtomicLong(Long.MIN_VALUE);
    final CompletableFuture<Long> all = new CompletableFuture<>();
  }

  private final Map<Long, Arrivals> arrivals = new ConcurrentHashMap<>();

  private Arrivals arrivals(long revision) {
    return arrivals.computeIfAbsent(revision, r -> new Arrivals());
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<Endpoint> endpoints;
    try {
      options.validate();
      if (watchers < 1) {
        throw new IllegalArgumentException("--watchers must be positive, got " + watchers);
      }
      endpoints = Endpoint.parseList(String.join(",", options.endpoints));
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      err.flush();
      return BenchCommand.EXIT_USAGE;
    }
    Vertx vertx = Vertx.vertx(new VertxOptions()
        .setEventLoopPoolSize(Math.max(1, Math.min(options.conns, Runtime.getRuntime().availableProcessors()))));
    Connections connections = null;
    try {
      connections = join(Connections.open(vertx, endpoints, options.conns, options.dialTimeoutMs, options.requestTimeoutMs));
      ByteString key = ByteString.copyFrom("watch-latency-key".getBytes(StandardCharsets.UTF_8));
      List<KvClient> clients = connections.clients();
      for (int i = 0; i < watchers; i++) {
        join(openWatcher(clients.get(i % clients.size()), key));
      }
      ByteString value = BenchCommand.randomValue(options.valSize);
      KvClient writer = clients.get(0);
      Histogram latency = new Histogram(TimeUnit.MINUTES.toNanos(1), 3);
      Map<String, Long> errorKinds = new TreeMap<>();
      long errors = 0;
      long start = System.nanoTime();
      for (long i = 0; i < options.total; i++) {
        try {
          long revision = join(writer.put(PutRequest.newBuilder().setKey(key).setValue(value).build()))
              .getHeader().getRevision();
          long ackNanos = System.nanoTime();
          long last = arrivals(revision).all.get(Math.max(1, options.requestTimeoutMs), TimeUnit.MILLISECONDS);
          arrivals.remove(revision);
          latency.recordValue(Math.max(0, last - ackNanos));
        } catch (Exception e) {
          errors++;
          errorKinds.merge(RpcFailure.describe(e), 1L, Long::sum);
        }
      }
      long elapsed = System.nanoTime() - start;
      RunResult result = new RunResult(options.total, options.total - errors, errors, errorKinds, latency, elapsed);
      Map<String, Object> settings = options.settings("watch-latency");
      settings.put("watchers", watchers);
      Report report = new Report(settings, result);
      out.print(options.json ? report.toJson().encodePrettily() + "\n" : report.toText());
      out.flush();
      return errors == 0 ? BenchCommand.EXIT_OK : BenchCommand.EXIT_REQUEST_ERRORS;
    } catch (RuntimeException e) {
      err.println("error: watch-latency set-up failed: " + RpcFailure.describe(e));
      err.flush();
      return BenchCommand.EXIT_SETUP;
    } finally {
      if (connections != null) {
        try {
          join(connections.close());
        } catch (RuntimeException ignored) {
          // already closed by the server
        }
      }
      join(vertx.close());
    }
  }

  /** Opens a stream with one watcher on {@code key}; completes when the server confirmed it. */
  private Future<Void> openWatcher(KvClient client, ByteString key) {
    Promise<Void> created = Promise.promise();
    client.context().runOnContext(v -> client.watchStream().onSuccess(
        (GrpcClientRequest<WatchRequest, WatchResponse> stream) -> {
          stream.response().onSuccess(resp -> resp.handler(r -> {
            if (r.getCreated()) {
              created.tryComplete();
            }
            long now = System.nanoTime();
            long seen = -1;
            for (Event e : r.getEventsList()) {
              long rev = e.getKv().getModRevision();
              if (rev != seen) {
                seen = rev;
                Arrivals a = arrivals(rev);
                a.lastNanos.accumulateAndGet(now, Math::max);
                if (a.count.incrementAndGet() == watchers) {
                  a.all.complete(a.lastNanos.get());
                }
              }
            }
          })).onFailure(created::tryFail);
          stream.write(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder().setKey(key)).build());
        }).onFailure(created::tryFail));
    return created.future();
  }

  private static <T> T join(Future<T> future) {
    return future.toCompletionStage().toCompletableFuture().join();
  }
}
