package io.vertcd.bench;

import io.vertx.core.Future;

/**
 * One kind of request the load runner repeats {@code --total} times. Implementations are
 * immutable and thread-safe: clients on different event loops call {@link #issue} concurrently.
 */
public interface Workload {

  /** @return the sub-command name ({@code put}, {@code range}, {@code txn-put}) */
  String name();

  /**
   * Sends request number {@code seq} on {@code kv}.
   *
   * @param kv  the connection of the calling client
   * @param seq 0-based request number in {@code [0, total)}
   * @return completes when the response arrives; fails with {@link RpcFailure} or a transport error
   */
  Future<?> issue(KvClient kv, long seq);
}
