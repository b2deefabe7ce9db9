package io.vertcd.server.metrics;

import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import io.etcd.jetcd.api.ElectionOuterClass;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import io.etcd.jetcd.api.JetcdProto;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * go-grpc-prometheus's server metrics, as etcd exports them (etcd v3rpc/grpc.go registers
 * {@code grpc_prometheus.StreamServerInterceptor} and {@code UnaryServerInterceptor}):
 * {@code grpc_server_started_total{grpc_type,grpc_service,grpc_method}},
 * {@code grpc_server_handled_total{grpc_type,grpc_service,grpc_method,grpc_code}} and, with {@code --metrics
 * extensive}, the histogram {@code grpc_server_handling_seconds} (etcd embed/etcd.go EnableHandlingTimeHistogram).
 *
 * <p>Counted at the HTTP/2 level, around the gRPC server: a call starts with its request and is handled when its
 * response ends, with the code of its {@code grpc-status} (trailers, or headers of a trailers-only answer) by name
 * ({@code OK}, {@code Unavailable}, ...); a stream reset before the end counts as {@code Canceled}. As
 * go-grpc-prometheus's {@code Register}, every method of etcd's services is registered up front with every code, at 0
 * (etcd pre-registers {@code etcdserverpb} and {@code grpc.health.v1.Health}; vertcd {@code etcdserverpb},
 * {@code v3lockpb} and {@code v3electionpb}, the services it serves). Counters are lock-free; nothing here blocks the event loop.
 */
public final class GrpcCallMetrics {
    /** gRPC codes by number, as go-grpc-prometheus names them (google.golang.org/grpc/codes String()). */
    static final List<String> CODES = List.of("OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded",
            "NotFound", "AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted",
            "OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated");
    /** etcd 3.4 grpc_server_handling_seconds buckets: prometheus.DefBuckets. */
    static final double[] HANDLING_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final MeterRegistry registry;
    private final boolean extensive;
    /** Path {@code /<service>/<method>} to its meters; filled by the constructor, read-only afterwards. */
    private final Map<String, Method> methods = new HashMap<>();

    /** One method's meters. */
    private record Method(String type, String service, String name, Counter started, Counter[] handled, Timer timer) {
    }

    /**
     * @param registry where the counters go
     * @param extensive {@code --metrics extensive}: also the handling-time histogram
     */
    public GrpcCallMetrics(MeterRegistry registry, boolean extensive) {
        this.registry = registry;
        this.extensive = extensive;
        for (FileDescriptor file : List.of(JetcdProto.getDescriptor(),
                io.etcd.jetcd.api.lock.JetcdProto.getDescriptor(), ElectionOuterClass.getDescriptor())) {
            for (ServiceDescriptor s : file.getServices()) {
                for (MethodDescriptor m : s.getMethods()) {
                    register(s.getFullName(), m.getName(), type(m));
                }
            }
        }
    }

    /** @return go-grpc-prometheus's grpc_type of a method */
    static String type(MethodDescriptor m) {
        if (m.isClientStreaming()) {
            return m.isServerStreaming() ? "bidi_stream" : "client_stream";
        }
        return m.isServerStreaming() ? "server_stream" : "unary";
    }

    /**
     * @param grpc the gRPC server's request handler
     * @return a handler counting each call, then passing it to {@code grpc}
     */
    public Handler<HttpServerRequest> around(Handler<HttpServerRequest> grpc) {
        return request -> {
            Method m = methods.get(request.path());
            if (m != null) { // an unknown method is answered UNIMPLEMENTED and not counted, as by go-grpc-prometheus
                count(m, request.response());
            }
            grpc.handle(request);
        };
    }

    private void count(Method m, HttpServerResponse response) {
        m.started().increment();
        long start = System.nanoTime();
        boolean[] counted = {false}; // the stream may close before the end handler runs: count once
        response.endHandler(v -> {
            if (!counted[0]) {
                counted[0] = true;
                handled(m, code(response), start);
            }
        });
        response.closeHandler(v -> {
            if (!counted[0]) {
                counted[0] = true;
                handled(m, response.ended() ? code(response) : 1, start);
            }
        });
    }

    private void handled(Method m, int code, long startNanos) {
        m.handled()[code < 0 || code >= CODES.size() ? 2 : code].increment();
        if (m.timer() != null) {
            m.timer().record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** @return the call's grpc-status, 0 when absent */
    static int code(HttpServerResponse response) {
        String status = response.trailers().get("grpc-status");
        if (status == null) {
            status = response.headers().get("grpc-status");
        }
        try {
            return status == null ? 0 : Integer.parseInt(status.trim());
        } catch (NumberFormatException e) {
            return 2;
        }
    }

    private void register(String service, String name, String type) {
        Counter started = Counter.builder("grpc_server_started_total")
                .description("Total number of RPCs started on the server.")
                .tags("grpc_type", type, "grpc_service", service, "grpc_method", name).register(registry);
        Counter[] handled = new Counter[CODES.size()];
        for (int c = 0; c < handled.length; c++) {
            handled[c] = Counter.builder("grpc_server_handled_total")
                    .description("Total number of RPCs completed on the server, regardless of success or failure.")
                    .tags("grpc_type", type, "grpc_service", service, "grpc_method", name, "grpc_code", CODES.get(c))
                    .register(registry);
        }
        Timer timer = !extensive ? null : Timer.builder("grpc_server_handling")
                .description("Histogram of response latency (seconds) of gRPC that had been application-level "
                        + "handled by the server.")
                .tags("grpc_type", type, "grpc_service", service, "grpc_method", name)
                .serviceLevelObjectives(seconds(HANDLING_BUCKETS)).register(registry);
        methods.put("/" + service + "/" + name, new Method(type, service, name, started, handled, timer));
    }

    private static java.time.Duration[] seconds(double[] bounds) {
        java.time.Duration[] out = new java.time.Duration[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            out[i] = java.time.Duration.ofNanos((long) (bounds[i] * 1e9));
        }
        return out;
    }
}
