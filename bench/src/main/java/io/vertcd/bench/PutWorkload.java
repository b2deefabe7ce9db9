package io.vertcd.bench;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.PutRequest;
import io.vertx.core.Future;

/**
 * {@code KV.Put} of one key per request (etcd benchmark {@code put}): the key comes from the
 * {@link KeySpace}, the value is the same random {@code --val-size} bytes for every request,
 * as etcd's tool does.
 */
public final class PutWorkload implements Workload {
  private final KeySpace keys;
  private final ByteString value;

  /**
   * @param keys  keys to write
   * @param value value bytes of every put
   */
  public PutWorkload(KeySpace keys, ByteString value) {
    this.keys = keys;
    this.value = value;
  }

  @Override
  public String name() {
    return "put";
  }

  @Override
  public Future<?> issue(KvClient kv, long seq) {
    return kv.put(PutRequest.newBuilder().setKey(keys.keyFor(seq)).setValue(value).build());
  }
}
