package io.vertcd.bench;

import org.HdrHistogram.Histogram;

import java.util.Map;

/**
 * What one measured run produced.
 *
 * @param requests     requests completed (successes + errors), equals {@code --total}
 * @param successes    requests answered with gRPC status OK
 * @param errors       requests that failed (non-OK status, deadline, transport)
 * @param errorKinds   error count per {@link RpcFailure#describe kind}, sorted by kind
 * @param latencyNanos latency of each successful request, in ns, from just before the request
 *                     is created to the arrival of its response (after any {@code --rate} wait),
 *                     as etcd's benchmark measures around {@code client.Do}
 * @param elapsedNanos wall time from the first request to the last response, in ns
 */
public record RunResult(long requests, long successes, long errors, Map<String, Long> errorKinds,
                        Histogram latencyNanos, long elapsedNanos) {

  /** @return successful requests per second over {@link #elapsedNanos} (etcd's "Requests/sec") */
  public double qps() {
    return elapsedNanos <= 0 ? 0.0 : successes * 1e9 / elapsedNanos;
  }
}
