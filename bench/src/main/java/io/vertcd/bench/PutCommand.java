package io.vertcd.bench;

import com.google.protobuf.ByteString;
import picocli.CommandLine.Command;

/** {@code put}: benchmark {@code KV.Put} (etcd benchmark {@code put}). */
@Command(name = "put", mixinStandardHelpOptions = true, description = "Benchmark KV.Put")
public final class PutCommand extends BenchCommand {
  @Override
  protected Workload workload(KeySpace keys, ByteString value) {
    return new PutWorkload(keys, value);
  }
}
