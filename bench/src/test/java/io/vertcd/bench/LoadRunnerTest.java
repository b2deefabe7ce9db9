package io.vertcd.bench;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runner and KV client against an in-process KV endpoint over real h2c sockets. */
class LoadRunnerTest {
  private Vertx vertx;
  private InMemoryKvServer server;
  private List<Endpoint> endpoints;
  private Connections connections;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    server = new InMemoryKvServer(vertx);
    endpoints = List.of(new Endpoint("127.0.0.1", server.start()));
  }

  @AfterEach
  void tearDown() {
    if (connections != null) {
      join(connections.close());
    }
    server.stop();
    join(vertx.close());
  }

  private static <T> T join(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private List<KvClient> open(int conns, long timeoutMs) {
    connections = join(Connections.open(vertx, endpoints, conns, 5000, timeoutMs));
    return connections.clients();
  }

  @Test
  void sendsExactlyTotalRequestsOverExactlyConnsConnections() {
    server.answerDelayMs = 2;
    List<KvClient> kvs = open(3, 10_000);
    KeySpace keys = new KeySpace(8, 50, true);
    ByteString value = ByteString.copyFromUtf8("v");
    RunResult r = join(new LoadRunner(vertx, kvs, 8, 500, null).run(new PutWorkload(keys, value)));

    assertEquals(500, r.requests());
    assertEquals(500, r.successes());
    assertEquals(0, r.errors());
    assertEquals(500, r.latencyNanos().getTotalCount());
    assertEquals(500, server.puts.get());
    assertEquals(3, server.connections.get());
    // Each client has at most one request in flight.
    assertTrue(server.maxInFlight.get() <= 8, "in flight " + server.maxInFlight.get());
    assertTrue(server.maxInFlight.get() > 1, "clients should overlap");
    // Sequential keys 0..49, ten writes each.
    assertEquals(50, server.store.size());
    for (long i = 0; i < 50; i++) {
      assertEquals(10, server.store.get(keys.key(i)).getVersion());
    }
    assertTrue(r.qps() > 0);
  }

  @Test
  void countsServerErrorsByStatusAndEtcdMessageAndStillSendsTotal() {
    server.failEvery = 4;
    List<KvClient> kvs = open(2, 10_000);
    RunResult r = join(new LoadRunner(vertx, kvs, 4, 200, null)
        .run(new PutWorkload(new KeySpace(8, 10, false), ByteString.copyFromUtf8("x"))));
    assertEquals(200, r.requests());
    assertEquals(50, r.errors());
    assertEquals(150, r.successes());
    assertEquals(150, r.latencyNanos().getTotalCount());
    assertEquals(Long.valueOf(50), r.errorKinds().get("UNAVAILABLE: etcdserver: leader changed"));
  }

  @Test
  void aRequestPastItsDeadlineIsAnErrorAndTheRunStillEnds() {
    server.hangRequest = 3;
    List<KvClient> kvs = open(1, 300);
    RunResult r = join(new LoadRunner(vertx, kvs, 2, 20, null)
        .run(new PutWorkload(new KeySpace(8, 1, false), ByteString.EMPTY)));
    assertEquals(20, r.requests());
    assertEquals(1, r.errors());
    String kind = r.errorKinds().keySet().iterator().next();
    assertTrue(kind.startsWith("DEADLINE_EXCEEDED"), kind);
  }

  @Test
  void aClosedEndpointTurnsEveryRequestIntoAnErrorWithoutHanging() {
    List<KvClient> kvs = open(1, 1000);
    server.stop();
    join(kvs.get(0).close());
    RunResult r = join(new LoadRunner(vertx, kvs, 3, 1000, null)
        .run(new PutWorkload(new KeySpace(8, 1, false), ByteString.EMPTY)));
    assertEquals(1000, r.requests());
    assertEquals(1000, r.errors());
    assertEquals(0, r.latencyNanos().getTotalCount());
    server = new InMemoryKvServer(vertx); // so tearDown has a server to stop
    server.start();
  }

  @Test
  void rangeWorkloadReadsPrefilledKeysWithTheRequestedConsistency() {
    List<KvClient> kvs = open(2, 10_000);
    KeySpace keys = new KeySpace(8, 20, false);
    ByteString value = ByteString.copyFromUtf8("val");
    RunResult fill = join(new LoadRunner(vertx, kvs, 4, keys.size(), null)
        .run(new PutWorkload(keys.sequentially(), value)));
    assertEquals(0, fill.errors());
    assertEquals(20, server.store.size());

    RunResult r = join(new LoadRunner(vertx, kvs, 4, 100, null).run(new RangeWorkload(keys, false)));
    assertEquals(100, r.successes());
    assertEquals(100, server.rangeRequests.size());
    assertTrue(server.rangeRequests.stream().noneMatch(RangeRequest::getSerializable));
    assertTrue(server.rangeRequests.stream().allMatch(q -> server.store.containsKey(q.getKey())));

    join(new LoadRunner(vertx, kvs, 1, 5, null).run(new RangeWorkload(keys, true)));
    assertTrue(server.rangeRequests.get(server.rangeRequests.size() - 1).getSerializable());

    RangeResponse one = join(kvs.get(0).range(RangeRequest.newBuilder().setKey(keys.key(7)).build()));
    assertEquals(value, one.getKvs(0).getValue());
  }

  @Test
  void txnPutWritesTxnOpsDistinctKeysPerTransaction() {
    List<KvClient> kvs = open(1, 10_000);
    KeySpace keys = new KeySpace(8, 10, false);
    RunResult r = join(new LoadRunner(vertx, kvs, 2, 30, null)
        .run(new TxnPutWorkload(keys, ByteString.copyFromUtf8("t"), 3)));
    assertEquals(30, r.successes());
    assertEquals(30, server.txnRequests.size());
    server.txnRequests.forEach(txn -> {
      assertEquals(3, txn.getSuccessCount());
      assertEquals(0, txn.getCompareCount());
      assertEquals(3, txn.getSuccessList().stream().map(op -> op.getRequestPut().getKey()).distinct().count());
    });
    assertEquals(10, server.store.size());
  }

  @Test
  void rateLimitedRunStillCompletesEveryRequest() {
    List<KvClient> kvs = open(1, 10_000);
    RunResult r = join(new LoadRunner(vertx, kvs, 4, 40, new RateLimiter(2000, System::nanoTime))
        .run(new PutWorkload(new KeySpace(8, 1, false), ByteString.EMPTY)));
    assertEquals(40, r.successes());
    assertEquals(40, server.puts.get());
  }

  @Test
  void rangeAcceptsResponsesAboveVertxDefaultLimitOf256KiB() {
    List<KvClient> kvs = open(1, 10_000);
    KeySpace keys = new KeySpace(8, 2, true);
    ByteString big = BenchCommand.randomValue(1_000_000);
    assertEquals(0, join(new LoadRunner(vertx, kvs, 1, 2, null).run(new PutWorkload(keys, big))).errors());
    RunResult r = join(new LoadRunner(vertx, kvs, 2, 4, null).run(new RangeWorkload(keys, false)));
    assertEquals(0, r.errors(), r.errorKinds().toString());
    RangeResponse one = join(kvs.get(0).range(RangeRequest.newBuilder().setKey(keys.key(1)).build()));
    assertEquals(big, one.getKvs(0).getValue());
  }

  @Test
  void connectionsAreSpreadOverEndpointsAndEventLoops() {
    InMemoryKvServer second = new InMemoryKvServer(vertx);
    endpoints = List.of(endpoints.get(0), new Endpoint("127.0.0.1", second.start()));
    try {
      List<KvClient> kvs = open(4, 10_000);
      assertEquals(2, server.connections.get());
      assertEquals(2, second.connections.get());
      assertEquals(endpoints.get(1), kvs.get(1).endpoint());
      java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
      for (KvClient kv : kvs) {
        io.vertx.core.Promise<Void> p = io.vertx.core.Promise.promise();
        kv.context().runOnContext(v -> {
          threads.add(Thread.currentThread().getName());
          p.complete();
        });
        join(p.future());
      }
      assertTrue(threads.size() > 1, "all connections on one event loop: " + threads);
      RunResult r = join(new LoadRunner(vertx, kvs, 8, 100, null)
          .run(new PutWorkload(new KeySpace(8, 1, false), ByteString.EMPTY)));
      assertEquals(100, r.successes());
      assertEquals(100, server.puts.get() + second.puts.get());
      assertTrue(server.puts.get() > 0 && second.puts.get() > 0);
    } finally {
      second.stop();
    }
  }

  @Test
  void putReturnsTheServerRevision() {
    List<KvClient> kvs = open(1, 10_000);
    long rev = join(kvs.get(0).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build()))
        .getHeader().getRevision();
    assertEquals(2, rev);
  }
}
