package io.vertcd.bench;

import com.google.protobuf.ByteString;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Map;

/** {@code txn-put}: benchmark {@code KV.Txn} holding {@code --txn-ops} puts (etcd benchmark {@code txn-put}). */
@Command(name = "txn-put", mixinStandardHelpOptions = true, description = "Benchmark KV.Txn of puts")
public final class TxnPutCommand extends BenchCommand {

  @Option(names = "--txn-ops", defaultValue = "1", description = "Puts per transaction (default: ${DEFAULT-VALUE})")
  int txnOps;

  @Override
  protected Workload workload(KeySpace keys, ByteString value) {
    return new TxnPutWorkload(keys, value, txnOps);
  }

  @Override
  protected void addSettings(Map<String, Object> settings) {
    settings.put("txn_ops", txnOps);
  }
}
