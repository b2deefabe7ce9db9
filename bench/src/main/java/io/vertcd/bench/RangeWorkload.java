package io.vertcd.bench;

import io.etcd.jetcd.api.RangeRequest;
import io.vertx.core.Future;

/**
 * {@code KV.Range} of a single key per request (etcd benchmark {@code range --consistency l|s}).
 * The key comes from the {@link KeySpace}, so with {@code --prefill} every read hits a key written
 * before. {@code serializable=false} is etcd's linearizable read (the server confirms its
 * leadership through ReadIndex before answering); {@code serializable=true} answers from the
 * member's local state.
 */
public final class RangeWorkload implements Workload {
  private final KeySpace keys;
  private final boolean serializable;

  /**
   * @param keys         keys to read
   * @param serializable {@code true} for {@code --consistency s}, {@code false} for {@code l}
   */
  public RangeWorkload(KeySpace keys, boolean serializable) {
    this.keys = keys;
    this.serializable = serializable;
  }

  @Override
  public String name() {
    return "range";
  }

  @Override
  public Future<?> issue(KvClient kv, long seq) {
    return kv.range(RangeRequest.newBuilder().setKey(keys.keyFor(seq)).setSerializable(serializable).build());
  }
}
