package io.vertcd.bench;

import com.google.protobuf.ByteString;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Map;

/**
 * {@code range}: benchmark single-key {@code KV.Range} (etcd benchmark {@code range}); with
 * {@code --prefill} every key of the key space is put once, unmeasured, before the run.
 */
@Command(name = "range", mixinStandardHelpOptions = true, description = "Benchmark KV.Range of single keys")
public final class RangeCommand extends BenchCommand {

  @Option(names = "--prefill", description = "Put every key of the key space once before measuring")
  boolean prefill;

  @Override
  protected Workload workload(KeySpace keys, ByteString value) {
    return new RangeWorkload(keys, "s".equals(options.consistency));
  }

  @Override
  protected boolean prefill() {
    return prefill;
  }

  @Override
  protected void addSettings(Map<String, Object> settings) {
    settings.put("consistency", options.consistency);
    settings.put("prefill", prefill);
  }
}
