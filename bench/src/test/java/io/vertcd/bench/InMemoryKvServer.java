package io.vertcd.bench;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.ResponseOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.GrpcServerRequest;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test endpoint speaking {@code etcdserverpb.KV} Put/Range/Txn over real h2c sockets, with an
 * in-memory map and a revision counter, plus knobs to make it fail or hang and counters the tests
 * check (connections, requests, largest number of requests in flight at once).
 */
final class InMemoryKvServer {
  final Map<ByteString, KeyValue> store = new ConcurrentHashMap<>();
  final AtomicLong revision = new AtomicLong(1);
  final AtomicInteger connections = new AtomicInteger();
  final AtomicLong puts = new AtomicLong();
  final AtomicLong ranges = new AtomicLong();
  final AtomicLong txns = new AtomicLong();
  final List<RangeRequest> rangeRequests = new CopyOnWriteArrayList<>();
  final List<TxnRequest> txnRequests = new CopyOnWriteArrayList<>();
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger maxInFlight = new AtomicInteger();
  /** Answer every n-th request (1-based, over all methods) with UNAVAILABLE; 0 = never. */
  volatile long failEvery;
  /** Never answer request number n (1-based, over all methods); 0 = answer all. */
  volatile long hangRequest;
  /** Hold every answer for this many ms (on a timer), so concurrent requests overlap; 0 = answer at once. */
  volatile long answerDelayMs;
  private final AtomicLong requestNo = new AtomicLong();
  private final Vertx vertx;
  private HttpServer http;

  InMemoryKvServer(Vertx vertx) {
    this.vertx = vertx;
  }

  int start() {
    GrpcServer grpc = GrpcServer.server(vertx, new GrpcServerOptions().setMaxMessageSize(4L << 20));
    grpc.callHandler(ServiceMethod.server(KvMethods.KV, "Put", GrpcMessageEncoder.<PutResponse>encoder(),
        GrpcMessageDecoder.<PutRequest>decoder(PutRequest.newBuilder())), call -> call.handler(req -> {
      puts.incrementAndGet();
      answer(call, () -> PutResponse.newBuilder().setHeader(header(apply(req))).build());
    }));
    grpc.callHandler(ServiceMethod.server(KvMethods.KV, "Range", GrpcMessageEncoder.<RangeResponse>encoder(),
        GrpcMessageDecoder.<RangeRequest>decoder(RangeRequest.newBuilder())), call -> call.handler(req -> {
      ranges.incrementAndGet();
      rangeRequests.add(req);
      answer(call, () -> {
        RangeResponse.Builder b = RangeResponse.newBuilder().setHeader(header(revision.get()));
        KeyValue kv = store.get(req.getKey());
        if (kv != null) {
          b.addKvs(kv).setCount(1);
        }
        return b.build();
      });
    }));
    grpc.callHandler(ServiceMethod.server(KvMethods.KV, "Txn", GrpcMessageEncoder.<TxnResponse>encoder(),
        GrpcMessageDecoder.<TxnRequest>decoder(TxnRequest.newBuilder())), call -> call.handler(req -> {
      txns.incrementAndGet();
      txnRequests.add(req);
      answer(call, () -> {
        TxnResponse.Builder b = TxnResponse.newBuilder().setSucceeded(true);
        long rev = 0;
        for (RequestOp op : req.getSuccessList()) {
          rev = apply(op.getRequestPut());
          b.addResponses(ResponseOp.newBuilder().setResponsePut(PutResponse.getDefaultInstance()));
        }
        return b.setHeader(header(rev)).build();
      });
    }));
    http = vertx.createHttpServer(new HttpServerOptions().setPort(0).setHost("127.0.0.1"))
        .connectionHandler(c -> connections.incrementAndGet())
        .requestHandler(grpc);
    return http.listen().toCompletionStage().toCompletableFuture().join().actualPort();
  }

  void stop() {
    http.close().toCompletionStage().toCompletableFuture().join();
  }

  private synchronized long apply(PutRequest req) {
    long rev = revision.incrementAndGet();
    KeyValue old = store.get(req.getKey());
    store.put(req.getKey(), KeyValue.newBuilder().setKey(req.getKey()).setValue(req.getValue())
        .setCreateRevision(old == null ? rev : old.getCreateRevision()).setModRevision(rev)
        .setVersion(old == null ? 1 : old.getVersion() + 1).build());
    return rev;
  }

  private static ResponseHeader header(long rev) {
    return ResponseHeader.newBuilder().setRevision(rev).build();
  }

  private <Req, Resp> void answer(GrpcServerRequest<Req, Resp> call, java.util.function.Supplier<Resp> body) {
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    long n = requestNo.incrementAndGet();
    if (n == hangRequest) {
      call.response().exceptionHandler(t -> { });
      return;
    }
    Runnable reply = () -> {
      inFlight.decrementAndGet();
      long every = failEvery;
      if (every > 0 && n % every == 0) {
        call.response().status(GrpcStatus.UNAVAILABLE).statusMessage("etcdserver: leader changed").end();
      } else {
        call.response().send(body.get());
      }
    };
    long delay = answerDelayMs;
    if (delay > 0) {
      vertx.setTimer(delay, id -> reply.run());
    } else {
      reply.run();
    }
  }
}
