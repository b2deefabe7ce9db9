package io.vertcd.bench;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The tool against a real etcd (skipped when {@code /usr/bin/etcd} is absent): a fresh
 * single-member etcd on free loopback ports in a temp data dir.
 */
class RealEtcdTest {
  private static final String ETCD = "/usr/bin/etcd";
  private static Process etcd;
  private static Path dataDir;
  private static String endpoint;

  @BeforeAll
  static void startEtcd() throws Exception {
    assumeTrue(new File(ETCD).canExecute(), "no etcd binary at " + ETCD);
    int client = freePort();
    int peer = freePort();
    dataDir = Files.createTempDirectory("bench-etcd-");
    endpoint = "127.0.0.1:" + client;
    etcd = new ProcessBuilder(ETCD, "--name", "bench", "--data-dir", dataDir.resolve("data").toString(),
        "--listen-client-urls", "http://" + endpoint, "--advertise-client-urls", "http://" + endpoint,
        "--listen-peer-urls", "http://127.0.0.1:" + peer, "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
        "--initial-cluster", "bench=http://127.0.0.1:" + peer)
        .redirectErrorStream(true).redirectOutput(dataDir.resolve("etcd.log").toFile()).start();
    // Wait (bounded) until the client port accepts connections and the member has a leader.
    for (int i = 0; i < 200; i++) {
      if (BenchMainTest.run("range", "--endpoints", endpoint, "--total", "1", "--request-timeout-ms", "500").exit() == 0) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("etcd did not become ready; see " + dataDir.resolve("etcd.log"));
  }

  @AfterAll
  static void stopEtcd() throws Exception {
    if (etcd != null) {
      etcd.destroy();
      if (!etcd.waitFor(10, TimeUnit.SECONDS)) {
        etcd.destroyForcibly().waitFor();
      }
    }
    if (dataDir != null) {
      try (Stream<Path> files = Files.walk(dataDir)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** @return the number of keys in etcd: a count-only range over the whole key space (key = range_end = "\0"). */
  private static long keyCount() {
    Vertx vertx = Vertx.vertx();
    try {
      Connections c = Connections.open(vertx, List.of(Endpoint.parse(endpoint)), 1, 5000, 5000)
          .toCompletionStage().toCompletableFuture().join();
      RangeResponse r = c.clients().get(0).range(RangeRequest.newBuilder().setKey(ByteString.copyFrom(new byte[] {0}))
              .setRangeEnd(ByteString.copyFrom(new byte[] {0})).setCountOnly(true).build())
          .toCompletionStage().toCompletableFuture().join();
      c.close().toCompletionStage().toCompletableFuture().join();
      return r.getCount();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
  }

  @Test
  void putRangeAndTxnPutSucceedAgainstEtcd() {
    long before = keyCount();
    BenchMainTest.Run put = BenchMainTest.run("put", "--endpoints", endpoint, "--clients", "8", "--conns", "2",
        "--total", "400", "--key-space-size", "300", "--sequential-keys");
    assertEquals(0, put.exit(), put.out() + put.err());
    assertEquals("400", put.fields().get("successes"));

    BenchMainTest.Run range = BenchMainTest.run("range", "--endpoints", endpoint, "--clients", "8", "--conns", "2",
        "--total", "400", "--key-space-size", "500", "--prefill", "--consistency", "l");
    assertEquals(0, range.exit(), range.out() + range.err());
    assertEquals("400", range.fields().get("successes"));

    BenchMainTest.Run txn = BenchMainTest.run("txn-put", "--endpoints", endpoint, "--clients", "4",
        "--total", "100", "--key-space-size", "500", "--txn-ops", "4");
    assertEquals(0, txn.exit(), txn.out() + txn.err());
    assertEquals("100", txn.fields().get("successes"));

    // 300 keys from put, prefill of 500 covers them: 500 distinct keys in all.
    assertEquals(before + 500, keyCount());
  }

  @Test
  void etcdErrorsAreCountedWithTheirEtcdStringAndFailTheExitCode() {
    // etcd refuses a request above --max-request-bytes (1.5 MiB) with InvalidArgument "etcdserver: request is too large"
    // (etcd api/v3rpc/rpctypes ErrGRPCRequestTooLarge); gRPC itself still accepts it (limit + 512 KiB overhead).
    BenchMainTest.Run put = BenchMainTest.run("put", "--endpoints", endpoint, "--total", "3", "--val-size", "1600000");
    assertEquals(BenchCommand.EXIT_REQUEST_ERRORS, put.exit(), put.out() + put.err());
    assertEquals("3", put.fields().get("errors"));
    assertEquals("3 INVALID_ARGUMENT: etcdserver: request is too large", put.fields().get("error_kind"));
  }
}
