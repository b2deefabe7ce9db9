package io.vertcd.bench;

import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Flags every sub-command shares; names and defaults follow etcd's {@code benchmark} tool
 * ({@code tools/benchmark/cmd/root.go} and the per-command flags of {@code put.go}/{@code range.go}).
 */
public final class BenchOptions {

  @Option(names = "--endpoints", defaultValue = "127.0.0.1:2379", split = ",",
      description = "gRPC endpoints, host:port or http://host:port, comma separated (default: ${DEFAULT-VALUE})")
  String[] endpoints;

  @Option(names = "--clients", defaultValue = "1", description = "Concurrent clients, one request in flight each (default: ${DEFAULT-VALUE})")
  int clients;

  @Option(names = "--conns", defaultValue = "1", description = "HTTP/2 connections the clients share round-robin (default: ${DEFAULT-VALUE})")
  int conns;

  @Option(names = "--total", defaultValue = "10000", description = "Total number of requests (default: ${DEFAULT-VALUE})")
  long total;

  @Option(names = "--key-size", defaultValue = "8", description = "Key size in bytes (default: ${DEFAULT-VALUE})")
  int keySize;

  @Option(names = "--val-size", defaultValue = "8", description = "Value size in bytes (default: ${DEFAULT-VALUE})")
  int valSize;

  @Option(names = "--key-space-size", defaultValue = "1", description = "Number of distinct keys (default: ${DEFAULT-VALUE})")
  long keySpaceSize;

  @Option(names = "--sequential-keys", description = "Use key index seq %% key-space-size instead of a random one")
  boolean sequentialKeys;

  @Option(names = "--consistency", defaultValue = "l",
      description = "Range reads: l = linearizable, s = serializable (default: ${DEFAULT-VALUE}); ignored by writes")
  String consistency;

  @Option(names = "--rate", defaultValue = "0", description = "Maximum requests per second over all clients, 0 = no limit (default: ${DEFAULT-VALUE})")
  int rate;

  @Option(names = "--json", description = "Print the report as one JSON object instead of name: value lines")
  boolean json;

  @Option(names = "--request-timeout-ms", defaultValue = "10000",
      description = "Per-request deadline in ms; a late request counts as a DEADLINE_EXCEEDED error, 0 = none (default: ${DEFAULT-VALUE})")
  long requestTimeoutMs;

  @Option(names = "--dial-timeout-ms", defaultValue = "5000", description = "TCP connect timeout in ms (default: ${DEFAULT-VALUE})")
  long dialTimeoutMs;

  /**
   * Checks ranges etcd's tool checks, plus the ones it would crash on.
   *
   * @throws IllegalArgumentException with a message naming the flag
   */
  void validate() {
    require(clients >= 1, "--clients must be positive, got " + clients);
    require(conns >= 1, "--conns must be positive, got " + conns);
    require(total >= 0, "--total must not be negative, got " + total);
    require(keySize >= 1, "--key-size must be positive, got " + keySize);
    require(valSize >= 0, "--val-size must not be negative, got " + valSize);
    require(rate >= 0, "--rate must not be negative, got " + rate);
    require(requestTimeoutMs >= 0, "--request-timeout-ms must not be negative, got " + requestTimeoutMs);
    require(dialTimeoutMs >= 1, "--dial-timeout-ms must be positive, got " + dialTimeoutMs);
    require("l".equals(consistency) || "s".equals(consistency),
        "--consistency must be l (linearizable) or s (serializable), got " + consistency);
  }

  /** @return the settings every report starts with, in print order */
  Map<String, Object> settings(String workload) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("workload", workload);
    s.put("endpoints", String.join(",", endpoints));
    s.put("clients", clients);
    s.put("conns", conns);
    s.put("total", total);
    s.put("key_size", keySize);
    s.put("val_size", valSize);
    s.put("key_space_size", keySpaceSize);
    s.put("sequential_keys", sequentialKeys);
    s.put("rate", rate);
    return s;
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
