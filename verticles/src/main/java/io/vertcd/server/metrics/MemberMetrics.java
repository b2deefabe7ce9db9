package io.vertcd.server.metrics;

import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.prometheus.client.hotspot.DefaultExports;

/**
 * A member's metrics registry: etcd's server metrics ({@link EtcdServerMetrics}), the gRPC call counters
 * ({@link GrpcCallMetrics}), and the Prometheus client's standard process and JVM collectors (simpleclient_hotspot:
 * {@code process_cpu_seconds_total}, {@code process_open_fds}, {@code process_max_fds},
 * {@code process_resident_memory_bytes}, {@code process_virtual_memory_bytes}, {@code process_start_time_seconds},
 * the same names as Go's process collector etcd exports; and {@code jvm_*} where etcd has {@code go_*}).
 *
 * @param registry the registry {@code /metrics} scrapes
 * @param grpc the gRPC counters, to wrap the client port's gRPC handler with
 */
public record MemberMetrics(PrometheusMeterRegistry registry, GrpcCallMetrics grpc) {
    /**
     * @param stats what the member's driver publishes
     * @param member its ID and leader
     * @param serverVersion the etcd version vertcd reports
     * @param quotaBackendBytes the effective backend quota
     * @param extensive {@code --metrics extensive}
     * @return the registry with every meter registered
     */
    public static MemberMetrics create(NodeStats stats, EtcdServerMetrics.Member member, String serverVersion,
            long quotaBackendBytes, boolean extensive) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        DefaultExports.register(registry.getPrometheusRegistry());
        EtcdServerMetrics.bind(registry, stats, member, serverVersion, quotaBackendBytes);
        return new MemberMetrics(registry, new GrpcCallMetrics(registry, extensive));
    }
}
