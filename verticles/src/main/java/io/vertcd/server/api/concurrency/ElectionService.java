package io.vertcd.server.api.concurrency;

import io.vertcd.server.api.GrpcErrors;

import io.vertcd.server.api.GrpcRoutes;
import io.vertcd.server.api.StreamCall;
import io.vertcd.server.api.kv.KvService;
import io.vertcd.server.api.lease.LeaseService;
import io.vertcd.server.node.RaftNode;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.CampaignRequest;
import io.etcd.jetcd.api.CampaignResponse;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.LeaderKey;
import io.etcd.jetcd.api.LeaderRequest;
import io.etcd.jetcd.api.LeaderResponse;
import io.etcd.jetcd.api.ProclaimRequest;
import io.etcd.jetcd.api.ProclaimResponse;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.ResignRequest;
import io.etcd.jetcd.api.ResignResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.ServiceName;
import java.util.function.BooleanSupplier;

/**
 * etcd's {@code v3electionpb.Election} service (etcd api/v3election/election.go over
 * clientv3/concurrency election.go). A candidate's key is {@code name/<lease hex>}; the leader is
 * the candidate with the lowest create revision.
 * <ul>
 *   <li>Campaign(name, lease, value): puts the key with the lease unless it exists (an existing
 *       key with another value is proclaimed to the new value), then waits until every key under
 *       {@code name/} created before it is gone, keeping the lease alive meanwhile. Answers the
 *       put's header and the LeaderKey (name, key, create revision, lease). A client cancel
 *       resigns.</li>
 *   <li>Proclaim(leader, value): puts the new value if the key still has the leader's create
 *       revision, else {@code election: not leader}.</li>
 *   <li>Leader(name): the first-created key, or {@code election: no leader}.</li>
 *   <li>Observe(name): a stream of LeaderResponse, one for each new leader key or new value. It
 *       re-reads after every new revision, so a change and its undo between two reads are not
 *       seen (etcd's watch-based Observe would send both); the final state always is.</li>
 *   <li>Resign(leader): deletes the key if it still has the leader's create revision.</li>
 * </ul>
 * Proclaim and Resign without a leader key fail with {@code "leader" field must be provided}.
 */
public final class ElectionService {
    /** The gRPC service name. */
    public static final ServiceName SERVICE = ServiceName.create("v3electionpb", "Election");

    private final Vertx vertx;
    private final RaftNode node;
    private final LeaseService leases;
    private final Recipes recipes;

    /**
     * @param vertx the Vert.x instance (keep-alive timers)
     * @param node the local Raft node
     * @param kv the KV service the election's reads and writes go through
     * @param leases the lease service (lease 0 grants)
     */
    public ElectionService(Vertx vertx, RaftNode node, KvService kv, LeaseService leases) {
        this.vertx = vertx;
        this.node = node;
        this.leases = leases;
        this.recipes = new Recipes(node, kv);
    }

    /** Registers the Election methods. */
    public void register(GrpcRoutes routes) {
        routes.cancellable(SERVICE, "Campaign", CampaignRequest.getDefaultInstance(), this::campaign)
                .authorized(SERVICE, "Proclaim", ProclaimRequest.getDefaultInstance(),
                        (io.vertcd.server.auth.Caller c, ProclaimRequest r) -> proclaim(c, r))
                .authorized(SERVICE, "Leader", LeaderRequest.getDefaultInstance(),
                        (io.vertcd.server.auth.Caller c, LeaderRequest r) -> leader(c, r))
                .authorized(SERVICE, "Resign", ResignRequest.getDefaultInstance(),
                        (io.vertcd.server.auth.Caller c, ResignRequest r) -> resign(c, r))
                .<LeaderRequest, LeaderResponse>stream(SERVICE, "Observe", LeaderRequest.getDefaultInstance(), this::observe);
    }

    /** Election.Campaign; see the class comment. */
    public Future<CampaignResponse> campaign(io.vertcd.server.auth.Caller caller, CampaignRequest r, BooleanSupplier cancelled) {
        Recipes recipes = this.recipes.as(caller);
        return LeaseSession.open(vertx, node, leases, r.getLease()).compose(session ->
                elect(recipes, r, session.leaseId(), cancelled).eventually(() -> {
                    session.close();
                    return Future.succeededFuture();
                }));
    }

    private Future<CampaignResponse> elect(Recipes recipes, CampaignRequest r, long lease, BooleanSupplier cancelled) {
        ByteString prefix = Recipes.prefix(r.getName());
        ByteString key = Recipes.waiterKey(prefix, lease);
        return recipes.createIfAbsent(key, r.getValue(), lease, prefix).compose(txn -> {
            long rev = LockService.myCreateRevision(txn);
            LeaderKey leader = LeaderKey.newBuilder().setName(r.getName()).setKey(key).setRev(rev).setLease(lease).build();
            Future<Void> valueSet = Future.succeededFuture();
            if (!txn.getSucceeded() && !txn.getResponses(0).getResponseRange().getKvs(0).getValue().equals(r.getValue())) {
                valueSet = doProclaim(recipes, leader, r.getValue()).mapEmpty();
            }
            return valueSet
                    .compose(v -> recipes.waitDeletes(prefix, rev - 1, cancelled))
                    .map(hdr -> CampaignResponse.newBuilder().setHeader(txn.getHeader()).setLeader(leader).build())
                    .recover(err -> doResign(recipes, leader).transform(ignored -> Future.failedFuture(err)));
        });
    }

    /** Election.Proclaim. */
    public Future<ProclaimResponse> proclaim(io.vertcd.server.auth.Caller caller, ProclaimRequest r) {
        if (!r.hasLeader()) {
            return Future.failedFuture(new ConcurrencyException(ConcurrencyException.MISSING_LEADER_KEY));
        }
        return doProclaim(recipes.as(caller), r.getLeader(), r.getValue()).map(h -> ProclaimResponse.newBuilder().setHeader(h).build());
    }

    private static Future<ResponseHeader> doProclaim(Recipes recipes, LeaderKey leader, ByteString value) {
        RequestOp put = RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
                .setKey(leader.getKey()).setValue(value).setLease(leader.getLease())).build();
        return recipes.ifCreatedAt(leader.getKey(), leader.getRev(), put).compose(txn -> txn.getSucceeded()
                ? Future.succeededFuture(txn.getHeader())
                : Future.failedFuture(new ConcurrencyException(ConcurrencyException.NOT_LEADER)));
    }

    /** Election.Resign: deletes the key if it is still the leader's; succeeds either way, as etcd's. */
    public Future<ResignResponse> resign(io.vertcd.server.auth.Caller caller, ResignRequest r) {
        if (!r.hasLeader()) {
            return Future.failedFuture(new ConcurrencyException(ConcurrencyException.MISSING_LEADER_KEY));
        }
        return doResign(recipes.as(caller), r.getLeader()).map(h -> ResignResponse.newBuilder().setHeader(h).build());
    }

    private static Future<ResponseHeader> doResign(Recipes recipes, LeaderKey leader) {
        RequestOp delete = RequestOp.newBuilder().setRequestDeleteRange(
                DeleteRangeRequest.newBuilder().setKey(leader.getKey())).build();
        return recipes.ifCreatedAt(leader.getKey(), leader.getRev(), delete).map(txn -> txn.getHeader());
    }

    /** Election.Leader. */
    public Future<LeaderResponse> leader(io.vertcd.server.auth.Caller caller, LeaderRequest r) {
        return recipes.as(caller).get(Recipes.firstCreated(Recipes.prefix(r.getName()))).compose(resp -> {
            KeyValue kv = Recipes.first(resp);
            if (kv == null) {
                return Future.failedFuture(new ConcurrencyException(ConcurrencyException.NO_LEADER));
            }
            return Future.succeededFuture(LeaderResponse.newBuilder().setHeader(resp.getHeader()).setKv(kv).build());
        });
    }

    /**
     * Election.Observe: until the client goes, sends the leader's key-value each time the leader
     * key or its value changes. One response at most is in the send queue: the next read waits for
     * the write queue to drain.
     */
    void observe(StreamCall<LeaderRequest, LeaderResponse> call) {
        boolean[] cancelled = {false};
        call.closeHandler(v -> cancelled[0] = true);
        Recipes recipes = this.recipes.as(call.caller());
        call.handler(r -> new Observer(recipes, call, Recipes.firstCreated(Recipes.prefix(r.getName())), () -> cancelled[0]).next(0));
    }

    /** One Observe stream. */
    private final class Observer {
        private final Recipes recipes;
        private final StreamCall<LeaderRequest, LeaderResponse> call;
        private final io.etcd.jetcd.api.RangeRequest query;
        private final BooleanSupplier cancelled;
        private ByteString lastKey;
        private long lastModRevision;

        Observer(Recipes recipes, StreamCall<LeaderRequest, LeaderResponse> call, io.etcd.jetcd.api.RangeRequest query,
                BooleanSupplier cancelled) {
            this.recipes = recipes;
            this.call = call;
            this.query = query;
            this.cancelled = cancelled;
        }

        void next(long seenRevision) {
            Future<Long> ready = seenRevision == 0 ? Future.succeededFuture(0L) : node.reads().awaitRevisionAbove(seenRevision);
            ready.compose(v -> recipes.get(query)).onComplete(ar -> {
                if (cancelled.getAsBoolean()) {
                    return;
                }
                if (ar.failed()) {
                    call.fail(ar.cause());
                    return;
                }
                KeyValue kv = Recipes.first(ar.result());
                if (kv != null && (!kv.getKey().equals(lastKey) || kv.getModRevision() != lastModRevision)) {
                    lastKey = kv.getKey();
                    lastModRevision = kv.getModRevision();
                    call.write(LeaderResponse.newBuilder().setHeader(ar.result().getHeader()).setKv(kv).build());
                }
                long rev = ar.result().getHeader().getRevision();
                if (call.writeQueueFull()) {
                    call.drainHandler(d -> next(rev));
                } else {
                    next(rev);
                }
            });
        }
    }
}
