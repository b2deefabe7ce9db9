package io.vertcd.server.api;

import com.google.protobuf.Message;
import io.vertcd.server.auth.Caller;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.EtcdException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.grpc.common.CodecException;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.StatusRequest;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Registers unary methods of etcd's gRPC services (package {@code etcdserverpb}) on a Vert.x
 * {@link GrpcServer}, with protobuf encoding of etcd's own messages. Methods not registered are
 * answered UNIMPLEMENTED by the server.
 *
 * <p>A call whose metadata has {@code hasleader: true} (clientv3.WithRequireLeader) while the member
 * knows no leader fails at once with {@code etcdserver: no leader}, as etcd's unary interceptor does
 * (etcdserver/api/v3rpc/interceptor.go, rpctypes.MetadataRequireLeaderKey).
 *
 * <p>On a learner every method fails at once with {@code etcdserver: rpc not supported for learner}
 * (gRPC UNAVAILABLE), except a serializable Range and Maintenance.Status: etcd 3.4's unary
 * interceptor refuses what {@code isRPCSupportedForLearner} (v3rpc/util.go) does not allow, and its
 * stream interceptor refuses every stream (Watch, LeaseKeepAlive, Election.Observe). Lock and
 * Campaign, unary in etcd, are refused too. The learner check comes before the leader check, as in
 * etcd.
 *
 * <p>Requests are decoded by {@link RequestDecoder} (protobuf recursion limit set on purpose); a unary request that
 * does not decode is answered {@code INTERNAL "grpc: error unmarshalling request: ..."}, as etcd's gRPC-Go server does.
 */
public final class GrpcRoutes {
    /** etcd rpctypes.MetadataRequireLeaderKey. */
    static final String REQUIRE_LEADER_KEY = "hasleader";
    /** etcd rpctypes.MetadataHasLeader. */
    static final String HAS_LEADER = "true";

    private final GrpcServer server;
    private final LongSupplier leader;
    private final BooleanSupplier learner;

    /**
     * @param server the gRPC server to register on
     * @param leader the member ID of the leader the member follows, 0 when none is known
     * @param learner whether this member is a learner now (asked for every call)
     */
    public GrpcRoutes(GrpcServer server, LongSupplier leader, BooleanSupplier learner) {
        this.server = server;
        this.leader = leader;
        this.learner = learner;
    }

    /**
     * etcd 3.4 isRPCSupportedForLearner (etcdserver/api/v3rpc/util.go): what a learner serves.
     *
     * @param request a decoded unary request
     * @return true for a StatusRequest and a RangeRequest with {@code serializable} set
     */
    public static boolean isSupportedForLearner(Message request) {
        return request instanceof StatusRequest
                || request instanceof RangeRequest r && r.getSerializable();
    }

    /**
     * @param service the service name inside {@code etcdserverpb}, e.g. {@code KV}
     * @param method the method name, e.g. {@code Range}
     * @param requestPrototype the request's default instance (gives the parser)
     * @param handler the method's implementation
     * @return this, for chaining
     */
    public <Req extends Message, Resp extends Message> GrpcRoutes unary(String service, String method,
            Req requestPrototype, UnaryHandler<Req, Resp> handler) {
        return unary(ServiceName.create("etcdserverpb", service), method, requestPrototype, handler);
    }

    /**
     * Registers a streaming method (or a unary one that needs the raw call) of any package, e.g.
     * {@code Lease/LeaseKeepAlive} or {@code v3electionpb.Election/Observe}.
     *
     * @param service the full service name
     * @param method the method name
     * @param requestPrototype the request's default instance (gives the parser)
     * @param handler gets each call on the event loop that received it
     * @return this, for chaining
     */
    public <Req extends Message, Resp extends Message> GrpcRoutes call(ServiceName service, String method,
            Req requestPrototype, Handler<GrpcServerRequest<Req, Resp>> handler) {
        ServiceMethod<Req, Resp> sm = ServiceMethod.server(service, method,
                GrpcMessageEncoder.encoder(), RequestDecoder.of(requestPrototype));
        server.callHandler(sm, call -> {
            if (learner.getAsBoolean()) {
                GrpcErrors.fail(call.response(), EtcdError.NOT_SUPPORTED_FOR_LEARNER.exception());
                return;
            }
            handler.handle(call);
        });
        return this;
    }

    /**
     * As {@link #unary(String, String, Message, UnaryHandler)} for a service of any package
     * (etcd's {@code v3lockpb.Lock}, {@code v3electionpb.Election}).
     *
     * @param service the full service name
     * @return this, for chaining
     */
    public <Req extends Message, Resp extends Message> GrpcRoutes unary(ServiceName service, String method,
            Req requestPrototype, UnaryHandler<Req, Resp> handler) {
        return authorized(service, method, requestPrototype, (caller, request) -> handler.handle(request));
    }

    /**
     * As {@link #unary(String, String, Message, UnaryHandler)} for a method that needs the {@link Caller} (auth).
     *
     * @return this, for chaining
     */
    public <Req extends Message, Resp extends Message> GrpcRoutes authorized(String service, String method,
            Req requestPrototype, CallerHandler<Req, Resp> handler) {
        return authorized(ServiceName.create("etcdserverpb", service), method, requestPrototype, handler);
    }

    /**
     * The caller of a gRPC call: its {@code token} metadata and, over TLS, its verified client certificate's Common
     * Name (none until the client port serves TLS; etcd AuthInfoFromTLS).
     */
    public static Caller caller(GrpcServerRequest<?, ?> call) {
        return Caller.fromHeaders(call.headers(), null);
    }

    /**
     * As {@link #unary(ServiceName, String, Message, UnaryHandler)} for a method that needs the {@link Caller}.
     *
     * @return this, for chaining
     */
    public <Req extends Message, Resp extends Message> GrpcRoutes authorized(ServiceName service, String method,
            Req requestPrototype, CallerHandler<Req, Resp> handler) {
        ServiceMethod<GrpcMessage, Resp> sm = ServiceMethod.server(service, method,
                GrpcMessageEncoder.encoder(), RequestDecoder.RAW);
        RequestDecoder<Req> decoder = RequestDecoder.of(requestPrototype);
        server.callHandler(sm, call -> call.handler(message -> {
            Req request;
            try {
                request = decoder.decode(message);
            } catch (CodecException e) {
                call.response().status(GrpcStatus.INTERNAL)
                        .statusMessage(RequestDecoder.UNMARSHAL_ERROR + e.getMessage()).end();
                return;
            }
            if (learner.getAsBoolean() && !isSupportedForLearner(request)) {
                GrpcErrors.fail(call.response(), EtcdError.NOT_SUPPORTED_FOR_LEARNER.exception());
                return;
            }
            if (HAS_LEADER.equals(call.headers().get(REQUIRE_LEADER_KEY)) && leader.getAsLong() == 0) {
                GrpcErrors.fail(call.response(), EtcdError.NO_LEADER.exception());
                return;
            }
            Future<Resp> result;
            try {
                result = handler.handle(caller(call), request);
            } catch (EtcdException e) {
                GrpcErrors.fail(call.response(), e);
                return;
            } catch (RuntimeException e) {
                GrpcErrors.fail(call.response(), e);
                return;
            }
            result.onComplete(ar -> {
                if (ar.succeeded()) {
                    call.response().end(ar.result());
                } else {
                    GrpcErrors.fail(call.response(), ar.cause());
                }
            });
        }));
        return this;
    }
}
