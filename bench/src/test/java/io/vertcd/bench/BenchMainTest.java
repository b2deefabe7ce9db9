package io.vertcd.bench;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line end to end against an in-process KV endpoint. */
class BenchMainTest {
  private Vertx vertx;
  private InMemoryKvServer server;
  private String endpoint;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    server = new InMemoryKvServer(vertx);
    endpoint = "127.0.0.1:" + server.start();
  }

  @AfterEach
  void tearDown() {
    server.stop();
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  /** Output of one run. */
  record Run(int exit, String out, String err) {
    Map<String, String> fields() {
      Map<String, String> f = new LinkedHashMap<>();
      for (String line : out.split("\n")) {
        int sep = line.indexOf(": ");
        if (sep > 0) {
          f.putIfAbsent(line.substring(0, sep), line.substring(sep + 2));
        }
      }
      return f;
    }
  }

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = BenchMain.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void putPrintsTheSummaryAndExitsZero() {
    Run r = run("put", "--endpoints", endpoint, "--clients", "6", "--conns", "2", "--total", "300",
        "--key-size", "16", "--val-size", "32", "--key-space-size", "100", "--sequential-keys");
    assertEquals(0, r.exit(), r.err());
    Map<String, String> f = r.fields();
    assertEquals("put", f.get("workload"));
    assertEquals("300", f.get("requests"));
    assertEquals("300", f.get("successes"));
    assertEquals("0", f.get("errors"));
    for (String k : new String[] {"total_s", "qps", "latency_min_ms", "latency_avg_ms", "latency_p50_ms",
        "latency_p90_ms", "latency_p99_ms", "latency_p99.9_ms", "latency_max_ms"}) {
      assertTrue(Double.parseDouble(f.get(k)) >= 0, k);
    }
    assertEquals(300, server.puts.get());
    assertEquals(2, server.connections.get());
    assertEquals(100, server.store.size());
    server.store.values().forEach(kv -> {
      assertEquals(16, kv.getKey().size());
      assertEquals(32, kv.getValue().size());
    });
  }

  @Test
  void rangeWithPrefillReadsWrittenKeysAndPrintsJson() {
    Run r = run("range", "--endpoints", endpoint, "--clients", "4", "--conns", "2", "--total", "200",
        "--key-space-size", "50", "--consistency", "s", "--prefill", "--json");
    assertEquals(0, r.exit(), r.err());
    JsonObject json = new JsonObject(r.out());
    assertEquals("range", json.getString("workload"));
    assertEquals("s", json.getString("consistency"));
    assertEquals(true, json.getBoolean("prefill"));
    assertEquals(200L, json.getLong("successes"));
    assertTrue(json.getJsonObject("latency_ms").containsKey("p99.9"));
    assertEquals(50, server.puts.get(), "prefill writes every key once");
    assertEquals(200, server.ranges.get());
    assertTrue(server.rangeRequests.stream().allMatch(q -> q.getSerializable() && server.store.containsKey(q.getKey())));
  }

  @Test
  void txnPutRunsTransactions() {
    Run r = run("txn-put", "--endpoints", endpoint, "--clients", "2", "--total", "20", "--key-space-size", "4",
        "--txn-ops", "2");
    assertEquals(0, r.exit(), r.err());
    assertEquals("2", r.fields().get("txn_ops"));
    assertEquals(20, server.txns.get());
  }

  @Test
  void requestErrorsArePrintedAndFailTheExitCode() {
    server.failEvery = 5;
    Run r = run("put", "--endpoints", endpoint, "--clients", "2", "--total", "50");
    assertEquals(BenchCommand.EXIT_REQUEST_ERRORS, r.exit());
    assertEquals("10", r.fields().get("errors"));
    assertEquals("40", r.fields().get("successes"));
    assertEquals("10 UNAVAILABLE: etcdserver: leader changed", r.fields().get("error_kind"));
  }

  @Test
  void badFlagsAreUsageErrors() {
    assertEquals(BenchCommand.EXIT_USAGE, run("range", "--endpoints", endpoint, "--consistency", "x").exit());
    assertEquals(BenchCommand.EXIT_USAGE, run("put", "--endpoints", endpoint, "--clients", "0").exit());
    assertEquals(BenchCommand.EXIT_USAGE, run("put", "--endpoints", endpoint, "--key-size", "1",
        "--key-space-size", "1000").exit());
    assertEquals(BenchCommand.EXIT_USAGE, run("txn-put", "--endpoints", endpoint, "--txn-ops", "3").exit());
    assertEquals(BenchCommand.EXIT_USAGE, run("put", "--no-such-flag").exit());
    assertEquals(BenchCommand.EXIT_USAGE, run().exit());
    assertEquals(0, server.puts.get() + server.ranges.get() + server.txns.get());
  }

  @Test
  void anUnreachableEndpointIsASetupError() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Run r = run("put", "--endpoints", "127.0.0.1:" + port, "--total", "10");
    assertEquals(BenchCommand.EXIT_SETUP, r.exit());
    assertTrue(r.err().contains("cannot connect"), r.err());
    assertEquals("", r.out());
  }
}
