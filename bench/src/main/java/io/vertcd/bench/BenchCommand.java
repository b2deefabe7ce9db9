package io.vertcd.bench;

import com.google.protobuf.ByteString;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The shared life of every sub-command: validate flags, open {@code --conns} connections, optionally
 * prefill the key space (not measured), run {@code --total} requests with {@code --clients}
 * clients, print the {@link Report}, close everything.
 *
 * <p>Exit codes: {@value #EXIT_OK} all requests succeeded; {@value #EXIT_REQUEST_ERRORS} at least
 * one request failed (the report is still printed); {@value #EXIT_USAGE} bad flags (picocli's
 * usage code); {@value #EXIT_SETUP} the endpoints could not be reached or the prefill failed.
 */
public abstract class BenchCommand implements Callable<Integer> {
  /** Every request succeeded. */
  public static final int EXIT_OK = 0;
  /** At least one measured request failed. */
  public static final int EXIT_REQUEST_ERRORS = 1;
  /** Invalid flags. */
  public static final int EXIT_USAGE = 2;
  /** Connecting or prefilling failed; nothing was measured. */
  public static final int EXIT_SETUP = 3;

  @Mixin
  BenchOptions options;

  @Spec
  CommandSpec spec;

  /**
   * Unmeasured set-up before the run (after any prefill), e.g. granting the lease that
   * {@code lease-keepalive} renews. Default: nothing.
   *
   * @param client the first connection
   * @return completes when the set-up is done; a failure ends the tool with the set-up exit code
   */
  protected io.vertx.core.Future<?> prepare(KvClient client) {
    return io.vertx.core.Future.succeededFuture();
  }

  /** @return the workload to measure, given the validated key space and the shared value bytes */
  protected abstract Workload workload(KeySpace keys, ByteString value);

  /** @return {@code true} to write every key of the key space once before measuring */
  protected boolean prefill() {
    return false;
  }

  /** Adds sub-command settings (after the common ones) to the report. */
  protected void addSettings(Map<String, Object> settings) {
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    KeySpace keys;
    Workload workload;
    List<Endpoint> endpoints;
    try {
      options.validate();
      endpoints = Endpoint.parseList(String.join(",", options.endpoints));
      keys = new KeySpace(options.keySize, options.keySpaceSize, options.sequentialKeys);
      workload = workload(keys, randomValue(options.valSize));
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      err.flush();
      return EXIT_USAGE;
    }
    Vertx vertx = Vertx.vertx(new VertxOptions()
        .setEventLoopPoolSize(Math.max(1, Math.min(options.conns, Runtime.getRuntime().availableProcessors()))));
    try {
      return measure(vertx, endpoints, keys, workload, out, err);
    } finally {
      join(vertx.close());
    }
  }

  private int measure(Vertx vertx, List<Endpoint> endpoints, KeySpace keys, Workload workload,
                      PrintWriter out, PrintWriter err) {
    Connections connections;
    try {
      connections = join(Connections.open(vertx, endpoints, options.conns, options.dialTimeoutMs,
          options.requestTimeoutMs));
    } catch (RuntimeException e) {
      err.println("error: cannot connect to " + String.join(",", options.endpoints) + ": " + RpcFailure.describe(rootCause(e)));
      err.flush();
      return EXIT_SETUP;
    }
    try {
      if (prefill()) {
        LoadRunner filler = new LoadRunner(vertx, connections.clients(), options.clients, keys.size(), null);
        RunResult filled = join(filler.run(new PutWorkload(keys.sequentially(), randomValue(options.valSize))));
        if (filled.errors() > 0) {
          err.println("error: prefill of " + keys.size() + " keys failed " + filled.errors() + " times: "
              + filled.errorKinds());
          err.flush();
          return EXIT_SETUP;
        }
      }
      try {
        join(prepare(connections.clients().get(0)));
      } catch (RuntimeException e) {
        err.println("error: preparing the " + workload.name() + " run failed: " + RpcFailure.describe(rootCause(e)));
        err.flush();
        return EXIT_SETUP;
      }
      RateLimiter limiter = options.rate > 0 ? new RateLimiter(options.rate, System::nanoTime) : null;
      LoadRunner runner = new LoadRunner(vertx, connections.clients(), options.clients, options.total, limiter);
      RunResult result = join(runner.run(workload));
      Map<String, Object> settings = options.settings(workload.name());
      addSettings(settings);
      Report report = new Report(settings, result);
      out.print(options.json ? report.toJson().encodePrettily() + "\n" : report.toText());
      out.flush();
      return result.errors() == 0 ? EXIT_OK : EXIT_REQUEST_ERRORS;
    } finally {
      try {
        join(connections.close());
      } catch (RuntimeException ignored) {
        // the server may already have closed them
      }
    }
  }

  /** @return {@code size} random bytes, made once per run as etcd's {@code mustRandBytes} does */
  static ByteString randomValue(int size) {
    byte[] b = new byte[size];
    ThreadLocalRandom.current().nextBytes(b);
    return ByteString.copyFrom(b);
  }

  /** Waits on the calling (non event-loop) thread. */
  private static <T> T join(Future<T> future) {
    return future.toCompletionStage().toCompletableFuture().join();
  }

  private static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c;
  }
}
