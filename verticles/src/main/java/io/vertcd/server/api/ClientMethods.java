package io.vertcd.server.api;

import com.google.protobuf.Message;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.StatusRequest;
import io.vertcd.server.auth.Caller;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.EtcdException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.grpc.common.ServiceName;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The methods of the client port's services, as {@link GrpcRoutes} registered them on the gRPC server, so that the
 * JSON gateway ({@code http.Gateway}) calls the same handler objects, with the same checks, as gRPC does. One per
 * client verticle (each has its own service objects); filled while the verticle starts, then only read, on its
 * event loop.
 *
 * <p>The checks of etcd 3.4's interceptors (etcdserver/api/v3rpc/interceptor.go), applied by
 * {@link #invoke} and {@link #streamRefusal} in this order: on a learner, {@code etcdserver: rpc not supported for
 * learner} (UNAVAILABLE) for everything but what {@link #isSupportedForLearner} allows (streams and long-running
 * unary calls never); with {@code hasleader} asked and no leader known, {@code etcdserver: no leader}.
 */
public final class ClientMethods {
    /**
     * A unary method.
     *
     * @param service its service
     * @param method its name, e.g. {@code Range}
     * @param prototype the request's default instance
     * @param handler the service's implementation (a plain unary one ignores {@code cancelled})
     * @param longRunning true for Lock and Campaign (refused on a learner whatever the request)
     */
    public record Unary(ServiceName service, String method, Message prototype,
            CancellableUnary<Message, Message> handler, boolean longRunning) {
    }

    /**
     * A streaming method the gateway serves through {@link StreamCall} (LeaseKeepAlive, Election.Observe).
     *
     * @param service its service
     * @param method its name
     * @param prototype the request's default instance
     * @param handler the service's implementation
     */
    public record Stream(ServiceName service, String method, Message prototype,
            Handler<StreamCall<Message, Message>> handler) {
    }

    private final Map<String, Unary> unary = new HashMap<>();
    private final Map<String, Stream> streams = new HashMap<>();
    private final Set<String> services = new HashSet<>();
    private final LongSupplier leader;
    private final BooleanSupplier learner;

    /**
     * @param leader the member ID of the leader the member follows, 0 when none is known
     * @param learner whether this member is a learner now (asked for every call)
     */
    public ClientMethods(LongSupplier leader, BooleanSupplier learner) {
        this.leader = leader;
        this.learner = learner;
    }

    private static String key(ServiceName service, String method) {
        return service.fullyQualifiedName() + "/" + method;
    }

    void add(Unary m) {
        unary.put(key(m.service(), m.method()), m);
        services.add(m.service().fullyQualifiedName());
    }

    void add(Stream m) {
        streams.put(key(m.service(), m.method()), m);
        services.add(m.service().fullyQualifiedName());
    }

    /** Notes a service with a method registered in another way (Watch), for {@link #unimplemented}. */
    void addService(ServiceName service) {
        services.add(service.fullyQualifiedName());
    }

    /** @return the unary method, or null if none is registered */
    public Unary unary(ServiceName service, String method) {
        return unary.get(key(service, method));
    }

    /** @return the streaming method, or null if none is registered */
    public Stream stream(ServiceName service, String method) {
        return streams.get(key(service, method));
    }

    /**
     * grpc-go's answer to a method the server does not have (server.go handleStream), as etcd's gateway passes it
     * on: {@code unknown service <service>} or {@code unknown method <method> for service <service>}, UNIMPLEMENTED.
     *
     * @return the status message
     */
    public String unimplemented(ServiceName service, String method) {
        String name = service.fullyQualifiedName();
        return services.contains(name)
                ? "unknown method " + method + " for service " + name
                : "unknown service " + name;
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

    /** @return the error a streaming call gets at once (a learner), or null */
    public EtcdException streamRefusal() {
        return learner.getAsBoolean() ? EtcdError.NOT_SUPPORTED_FOR_LEARNER.exception() : null;
    }

    /**
     * Calls {@code m} after the interceptors' checks.
     *
     * @param m the method
     * @param request the decoded request
     * @param caller who calls: the auth token (gRPC metadata {@code token}, the gateway's {@code Authorization}
     *     header) and the TLS client certificate's Common Name; the methods that need it check it (auth)
     * @param requireLeader true when the caller asked for a leader (gRPC metadata {@code hasleader: true})
     * @param cancelled true once the caller has gone
     * @return the response; fails with an {@link EtcdException} for a client error
     */
    public Future<Message> invoke(Unary m, Message request, Caller caller, boolean requireLeader,
            BooleanSupplier cancelled) {
        if (learner.getAsBoolean() && (m.longRunning() || !isSupportedForLearner(request))) {
            return Future.failedFuture(EtcdError.NOT_SUPPORTED_FOR_LEARNER.exception());
        }
        if (requireLeader && leader.getAsLong() == 0) {
            return Future.failedFuture(EtcdError.NO_LEADER.exception());
        }
        try {
            return m.handler().handle(caller, request, cancelled);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }
}
