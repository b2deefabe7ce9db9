package io.vertcd.server.api.concurrency;

import io.vertcd.server.api.GrpcRoutes;
import io.vertcd.server.api.kv.KvService;
import io.vertcd.server.api.lease.LeaseService;
import io.vertcd.server.node.RaftNode;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.TxnResponse;
import io.etcd.jetcd.api.lock.LockRequest;
import io.etcd.jetcd.api.lock.LockResponse;
import io.etcd.jetcd.api.lock.UnlockRequest;
import io.etcd.jetcd.api.lock.UnlockResponse;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.ServiceName;
import java.util.function.BooleanSupplier;

/**
 * etcd's {@code v3lockpb.Lock} service (etcd api/v3lock/lock.go over clientv3/concurrency
 * mutex.go):
 * <ul>
 *   <li>Lock(name, lease): puts {@code name/<lease hex>} with the lease (lease 0: a fresh 60 s
 *       lease), then waits until every key under {@code name/} created before it is deleted; the
 *       lease is kept alive while it waits. Answers the key and the header of the last read. If the
 *       waiter's own key disappears meanwhile (its lease ended) it fails with
 *       {@code mutex: session is expired}; if the client cancels, the key is deleted.
 *       A nonexistent lease fails with {@code etcdserver: requested lease not found}.</li>
 *   <li>Unlock(key): deletes the key (ownership ends when the lease ends too).</li>
 * </ul>
 */
public final class LockService {
    /** The gRPC service name. */
    public static final ServiceName SERVICE = ServiceName.create("v3lockpb", "Lock");

    private final Vertx vertx;
    private final RaftNode node;
    private final LeaseService leases;
    private final Recipes recipes;

    /**
     * @param vertx the Vert.x instance (keep-alive timers)
     * @param node the local Raft node
     * @param kv the KV service the lock's reads and writes go through
     * @param leases the lease service (lease 0 grants)
     */
    public LockService(Vertx vertx, RaftNode node, KvService kv, LeaseService leases) {
        this.vertx = vertx;
        this.node = node;
        this.leases = leases;
        this.recipes = new Recipes(node, kv);
    }

    /** Registers Lock and Unlock. */
    public void register(GrpcRoutes routes) {
        routes.cancellable(SERVICE, "Lock", LockRequest.getDefaultInstance(), this::lock)
                .authorized(SERVICE, "Unlock", UnlockRequest.getDefaultInstance(),
                        (io.vertcd.server.auth.Caller c, UnlockRequest r) -> unlock(c, r));
    }

    /** Lock.Lock; see the class comment. */
    public Future<LockResponse> lock(io.vertcd.server.auth.Caller caller, LockRequest r, BooleanSupplier cancelled) {
        Recipes recipes = this.recipes.as(caller);
        return LeaseSession.open(vertx, node, leases, r.getLease()).compose(session ->
                acquire(recipes, r.getName(), session.leaseId(), cancelled).eventually(() -> {
                    session.close();
                    return Future.succeededFuture();
                }));
    }

    private Future<LockResponse> acquire(Recipes recipes, ByteString name, long lease, BooleanSupplier cancelled) {
        ByteString prefix = Recipes.prefix(name);
        ByteString myKey = Recipes.waiterKey(prefix, lease);
        return recipes.createIfAbsent(myKey, ByteString.EMPTY, lease, prefix).compose(txn -> {
            long myRev = myCreateRevision(txn);
            KeyValue owner = Recipes.first(txn.getResponses(1).getResponseRange());
            if (owner == null || owner.getCreateRevision() == myRev) {
                return Future.succeededFuture(response(txn.getHeader(), myKey));
            }
            return recipes.waitDeletes(prefix, myRev - 1, cancelled)
                    .compose(hdr -> recipes.get(myKey).compose(mine -> mine.getKvsCount() == 0
                            ? Future.<LockResponse>failedFuture(new ConcurrencyException(ConcurrencyException.SESSION_EXPIRED))
                            : Future.succeededFuture(response(hdr, myKey))))
                    .recover(err -> recipes.delete(myKey).transform(ignored -> Future.failedFuture(err)));
        });
    }

    /** The waiter's create revision: the txn's revision if it put the key, else the existing key's. */
    static long myCreateRevision(TxnResponse txn) {
        if (txn.getSucceeded()) {
            return txn.getHeader().getRevision();
        }
        return txn.getResponses(0).getResponseRange().getKvs(0).getCreateRevision();
    }

    private static LockResponse response(ResponseHeader header, ByteString key) {
        return LockResponse.newBuilder().setHeader(header).setKey(key).build();
    }

    /** Lock.Unlock: deletes the key; answers the delete's header. */
    public Future<UnlockResponse> unlock(io.vertcd.server.auth.Caller caller, UnlockRequest r) {
        return recipes.as(caller).delete(r.getKey()).map(h -> UnlockResponse.newBuilder().setHeader(h).build());
    }
}
