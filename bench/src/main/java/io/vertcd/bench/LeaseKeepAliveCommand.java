package io.vertcd.bench;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.vertx.core.Future;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lease-keepalive}: benchmark lease keep-alives (etcd benchmark {@code lease-keepalive}):
 * one lease of {@code --ttl} seconds is granted, unmeasured, then renewed {@code --total} times.
 */
@Command(name = "lease-keepalive", mixinStandardHelpOptions = true, description = "Benchmark Lease.LeaseKeepAlive")
public final class LeaseKeepAliveCommand extends BenchCommand {

  @Option(names = "--ttl", defaultValue = "60", description = "TTL of the lease renewed, seconds (default: ${DEFAULT-VALUE})")
  long ttl;

  private final LeaseKeepAliveWorkload workload = new LeaseKeepAliveWorkload();

  @Override
  protected Workload workload(KeySpace keys, ByteString value) {
    return workload;
  }

  @Override
  protected Future<?> prepare(KvClient client) {
    return client.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).build()).map(r -> {
      workload.leaseId(r.getID());
      return null;
    });
  }

  @Override
  protected void addSettings(Map<String, Object> settings) {
    settings.put("ttl", ttl);
  }
}
