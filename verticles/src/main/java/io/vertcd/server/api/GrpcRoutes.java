package io.vertcd.server.api;

import com.google.protobuf.Message;
import io.vertcd.server.auth.Caller;
import io.vertcd.server.tls.ClientCertificates;
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
 * <p>Every method registered here is also recorded in {@link ClientMethods} (the checks above live there), so that
 * the JSON gateway calls the same handlers.
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
    private final ClientMethods methods;

    /**
     * @param server the gRPC server to register on
     * @param leader the member ID of the leader the member follows, 0 when none is known
     * @param learner whether this member is a learner now (asked for every call)
     */
    public GrpcRoutes(GrpcServer server, LongSupplier leader, BooleanSupplier learner) {
        this.server = server;
        this.methods = new ClientMethods(leader, learner);
    }

    /** @return every method registered so far, for the JSON gateway */
    public ClientMethods methods() {
        return methods;
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
     * Registers a streaming method that needs the raw gRPC call (Watch), of any package. The gateway does not see
     * it through {@link ClientMethods}.
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
        methods.addService(service);
        server.callHandler(sm, call -> {
            EtcdException refused = methods.streamRefusal();
            if (refused != null) {
                GrpcErrors.fail(call.response(), refused);
                return;
            }
            handler.handle(call);
        });
        return this;
    }

    /**
     * Registers a streaming method (LeaseKeepAlive, Election.Observe) written against {@link StreamCall}, so that
     * the gateway serves it too.
     *
     * @return this, for chaining
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <Req extends Message, Resp extends Message> GrpcRoutes stream(ServiceName service, String method,
            Req requestPrototype, Handler<StreamCall<Req, Resp>> handler) {
        methods.add(new ClientMethods.Stream(service, method, requestPrototype, (Handler) handler));
        return this.<Req, Resp>call(service, method, requestPrototype,
                call -> handler.handle(new GrpcStreamCall<>(call)));
    }

    /**
     * Registers a unary method that waits long and must learn when its caller goes (Lock, Campaign). As etcd's
     * interceptor, a learner refuses it.
     *
     * @return this, for chaining
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <Req extends Message, Resp extends Message> GrpcRoutes cancellable(ServiceName service, String method,
            Req requestPrototype, CancellableUnary<Req, Resp> handler) {
        return register(new ClientMethods.Unary(service, method, requestPrototype, (CancellableUnary) handler, true));
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
     * As {@link #unary(ServiceName, String, Message, UnaryHandler)} for a method that needs the {@link Caller}.
     *
     * @return this, for chaining
     */
    @SuppressWarnings("unchecked")
    public <Req extends Message, Resp extends Message> GrpcRoutes authorized(ServiceName service, String method,
            Req requestPrototype, CallerHandler<Req, Resp> handler) {
        CancellableUnary<Message, Message> h = (caller, request, cancelled) -> {
            try {
                return (Future<Message>) handler.handle(caller, (Req) request);
            } catch (EtcdException e) {
                return Future.failedFuture(e);
            }
        };
        return register(new ClientMethods.Unary(service, method, requestPrototype, h, false));
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
     * The caller of a gRPC call: its {@code token} metadata and, over TLS, its verified client certificate's Common
     * Name (etcd AuthInfoFromTLS).
     *
     * @param call a gRPC call
     * @return who presents itself
     */
    public static Caller caller(GrpcServerRequest<?, ?> call) {
        return Caller.fromHeaders(call.headers(), ClientCertificates.commonName(call.connection()));
    }

    private GrpcRoutes register(ClientMethods.Unary m) {
        methods.add(m);
        ServiceMethod<GrpcMessage, Message> sm = ServiceMethod.server(m.service(), m.method(),
                GrpcMessageEncoder.encoder(), RequestDecoder.RAW);
        RequestDecoder<Message> decoder = RequestDecoder.of(m.prototype());
        server.callHandler(sm, call -> {
            boolean[] cancelled = {false};
            call.exceptionHandler(e -> cancelled[0] = true);
            call.errorHandler(e -> cancelled[0] = true);
            call.handler(message -> {
                Message request;
                try {
                    request = decoder.decode(message);
                } catch (CodecException e) {
                    call.response().status(GrpcStatus.INTERNAL)
                            .statusMessage(RequestDecoder.UNMARSHAL_ERROR + e.getMessage()).end();
                    return;
                }
                methods.invoke(m, request, caller(call),
                        HAS_LEADER.equals(call.headers().get(REQUIRE_LEADER_KEY)), () -> cancelled[0])
                        .onComplete(ar -> {
                            if (cancelled[0]) {
                                return;
                            }
                            if (ar.succeeded()) {
                                call.response().end(ar.result());
                            } else {
                                GrpcErrors.fail(call.response(), ar.cause());
                            }
                        });
            });
        });
        return this;
    }
}
