package io.vertcd.bench;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.vertx.core.Future;

/**
 * {@code KV.Txn} with no compares and {@code --txn-ops} puts in its success branch (etcd 3.5
 * benchmark {@code txn-put}). Transaction {@code seq} writes key indexes
 * {@code (seq * ops + j) % keySpaceSize} for {@code j in [0, ops)}, which are distinct as long as
 * {@code ops <= keySpaceSize} (etcd rejects a txn that puts one key twice with
 * {@code etcdserver: duplicate key given in txn request}).
 */
public final class TxnPutWorkload implements Workload {
  private final KeySpace keys;
  private final ByteString value;
  private final int opsPerTxn;

  /**
   * @param keys      keys to write
   * @param value     value bytes of every put
   * @param opsPerTxn puts per transaction, in {@code [1, keys.size()]}
   * @throws IllegalArgumentException when {@code opsPerTxn} is out of range
   */
  public TxnPutWorkload(KeySpace keys, ByteString value, int opsPerTxn) {
    if (opsPerTxn < 1) {
      throw new IllegalArgumentException("expected positive --txn-ops, got " + opsPerTxn);
    }
    if (opsPerTxn > keys.size()) {
      throw new IllegalArgumentException("expected --txn-ops no larger than --key-space-size, got txn-ops "
          + opsPerTxn + " key-space-size " + keys.size());
    }
    this.keys = keys;
    this.value = value;
    this.opsPerTxn = opsPerTxn;
  }

  @Override
  public String name() {
    return "txn-put";
  }

  @Override
  public Future<?> issue(KvClient kv, long seq) {
    TxnRequest.Builder txn = TxnRequest.newBuilder();
    for (int j = 0; j < opsPerTxn; j++) {
      long index = Math.floorMod(seq * opsPerTxn + j, keys.size());
      txn.addSuccess(RequestOp.newBuilder()
          .setRequestPut(PutRequest.newBuilder().setKey(keys.key(index)).setValue(value)));
    }
    return kv.txn(txn.build());
  }
}
