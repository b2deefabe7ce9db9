package io.vertcd.server.api.concurrency;

import io.vertcd.server.api.kv.KvService;
import io.vertcd.server.node.RaftNode;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * The key-value steps of etcd's clientv3/concurrency recipes (mutex.go, election.go, key.go),
 * run inside the server against {@link KvService} (so with the same checks, Raft path and
 * linearizable reads as a client's calls):
 * <ul>
 *   <li>a waiter's key is {@code prefix + hex(leaseID)} with {@code prefix = name + "/"}
 *       ({@code fmt.Sprintf("%s%x", pfx, lease)}: lower-case hex, no padding);</li>
 *   <li>waiters are ordered by create revision; the owner is the first-created key under the
 *       prefix ({@code WithFirstCreate});</li>
 *   <li>{@link #waitDeletes} waits until no key under the prefix has a create revision at or
 *       below a bound ({@code waitDeletes}: get {@code WithLastCreate} + {@code WithMaxCreateRev},
 *       wait, repeat). etcd waits with a watch for the DELETE of that key; here the wait is
 *       {@link RaftNode#awaitRevisionAbove}, then the same get again: same outcome.</li>
 * </ul>
 */
final class Recipes {
    private final RaftNode node;
    private final KvService kv;
    /** Whose steps these are: each key-value call runs with this caller's identity (auth: etcd's recipes run as the client). */
    private final io.vertcd.server.auth.Caller caller;

    Recipes(RaftNode node, KvService kv) {
        this(node, kv, io.vertcd.server.auth.Caller.ANONYMOUS);
    }

    private Recipes(RaftNode node, KvService kv, io.vertcd.server.auth.Caller caller) {
        this.node = node;
        this.kv = kv;
        this.caller = caller;
    }

    /** @return the same steps run as {@code caller} */
    Recipes as(io.vertcd.server.auth.Caller caller) {
        return new Recipes(node, kv, caller);
    }

    /** @return {@code name + "/"} */
    static ByteString prefix(ByteString name) {
        return name.concat(ByteString.copyFromUtf8("/"));
    }

    /** @return {@code prefix + hex(lease)}, etcd's {@code fmt.Sprintf("%s%x", pfx, lease)} */
    static ByteString waiterKey(ByteString prefix, long lease) {
        return prefix.concat(ByteString.copyFrom(Long.toHexString(lease), StandardCharsets.US_ASCII));
    }

    /** @return the end of the range of every key starting with {@code prefix} (clientv3 GetPrefixRangeEnd) */
    static ByteString prefixEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return ByteString.copyFrom(end, 0, i + 1);
            }
        }
        return ByteString.copyFrom(new byte[] {0}); // all 0xff: every key from prefix on
    }

    /** @return a get of the first-created key under {@code prefix} (clientv3 WithFirstCreate) */
    static RangeRequest firstCreated(ByteString prefix) {
        return RangeRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix))
                .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(RangeRequest.SortOrder.ASCEND)
                .setLimit(1).build();
    }

    /**
     * The campaign / lock step: put {@code key} with {@code value} and {@code lease} unless it
     * exists ({@code If(CreateRevision(key) = 0) Then(Put, getOwner) Else(Get(key), getOwner)}).
     */
    Future<TxnResponse> createIfAbsent(ByteString key, ByteString value, long lease, ByteString prefix) {
        RequestOp getOwner = RequestOp.newBuilder().setRequestRange(firstCreated(prefix)).build();
        TxnRequest txn = TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
                        .setResult(Compare.CompareResult.EQUAL).setCreateRevision(0))
                .addSuccess(RequestOp.newBuilder().setRequestPut(
                        PutRequest.newBuilder().setKey(key).setValue(value).setLease(lease)))
                .addSuccess(getOwner)
                .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)))
                .addFailure(getOwner)
                .build();
        return call(() -> kv.txn(caller, txn));
    }

    /** {@code If(CreateRevision(key) = rev) Then(op)}: the Proclaim / Resign step. */
    Future<TxnResponse> ifCreatedAt(ByteString key, long rev, RequestOp op) {
        TxnRequest txn = TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
                        .setResult(Compare.CompareResult.EQUAL).setCreateRevision(rev))
                .addSuccess(op)
                .build();
        return call(() -> kv.txn(caller, txn));
    }

    /** A linearizable get. */
    Future<RangeResponse> get(RangeRequest r) {
        return call(() -> kv.range(caller, r));
    }

    /** A linearizable get of one key. */
    Future<RangeResponse> get(ByteString key) {
        return get(RangeRequest.newBuilder().setKey(key).build());
    }

    /** Deletes one key. @return the delete's header */
    Future<ResponseHeader> delete(ByteString key) {
        return call(() -> kv.deleteRange(caller, DeleteRangeRequest.newBuilder().setKey(key).build()))
                .map(r -> r.getHeader());
    }

    /**
     * concurrency waitDeletes: completes with the header of the last get once no key under
     * {@code prefix} has a create revision at or below {@code maxCreateRev}.
     *
     * @param cancelled checked before each wait; when true, fails with {@link ConcurrencyException#CANCELLED}
     */
    Future<ResponseHeader> waitDeletes(ByteString prefix, long maxCreateRev, BooleanSupplier cancelled) {
        RangeRequest lastCreated = RangeRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix))
                .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(RangeRequest.SortOrder.DESCEND)
                .setLimit(1).setMaxCreateRevision(maxCreateRev).build();
        Promise<ResponseHeader> done = Promise.promise();
        checkDeleted(lastCreated, cancelled, done);
        return done.future();
    }

    /** One round of waitDeletes; a loop of callbacks, not nested futures, so a long wait holds no chain. */
    private void checkDeleted(RangeRequest lastCreated, BooleanSupplier cancelled, Promise<ResponseHeader> done) {
        if (cancelled.getAsBoolean()) {
            done.fail(new ConcurrencyException(ConcurrencyException.CANCELLED));
            return;
        }
        get(lastCreated).onComplete(ar -> {
            if (ar.failed()) {
                done.fail(ar.cause());
            } else if (ar.result().getKvsCount() == 0) {
                done.complete(ar.result().getHeader());
            } else {
                node.reads().awaitRevisionAbove(ar.result().getHeader().getRevision()).onComplete(w -> {
                    if (w.failed()) {
                        done.fail(w.cause());
                    } else {
                        checkDeleted(lastCreated, cancelled, done);
                    }
                });
            }
        });
    }

    /** @return the first key of a range response, or null */
    static KeyValue first(RangeResponse r) {
        return r.getKvsCount() == 0 ? null : r.getKvs(0);
    }

    private interface KvCall<T> {
        Future<T> run() throws io.vertcd.statemachine.EtcdException;
    }

    private static <T> Future<T> call(KvCall<T> c) {
        try {
            return c.run();
        } catch (io.vertcd.statemachine.EtcdException e) {
            return Future.failedFuture(e);
        }
    }
}
