package io.vertcd.bench;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a {@link RunResult} with the settings that produced it, either as stable grep-able text
 * (one {@code name: value} per line, names never change, times in s and ms with fixed decimals,
 * one {@code error_kind: <count> <kind>} line per error kind) or as one JSON object.
 *
 * <p>Latency figures come from an HdrHistogram with 3 significant digits (relative error
 * &le; 0.1%). Percentiles are of successful requests only, as in etcd's benchmark report.
 */
public final class Report {
  /** Percentiles printed, in order, with their field-name suffix. */
  private static final double[] PERCENTILES = {50, 90, 99, 99.9};
  private static final String[] PERCENTILE_NAMES = {"p50", "p90", "p99", "p99.9"};

  private final Map<String, Object> settings;
  private final RunResult result;

  /**
   * @param settings ordered run settings (workload, endpoints, clients, ...), printed first
   * @param result   the measured run
   */
  public Report(Map<String, Object> settings, RunResult result) {
    this.settings = new LinkedHashMap<>(settings);
    this.result = result;
  }

  /** @return the latency statistics in ms: min, avg, p50, p90, p99, p99.9, max (all 0 when nothing succeeded) */
  public Map<String, Double> latencyMs() {
    Histogram h = result.latencyNanos();
    Map<String, Double> out = new LinkedHashMap<>();
    boolean empty = h.getTotalCount() == 0;
    out.put("min", empty ? 0.0 : ms(h.getMinValue()));
    out.put("avg", empty ? 0.0 : h.getMean() / 1e6);
    for (int i = 0; i < PERCENTILES.length; i++) {
      out.put(PERCENTILE_NAMES[i], empty ? 0.0 : ms(h.getValueAtPercentile(PERCENTILES[i])));
    }
    out.put("max", empty ? 0.0 : ms(h.getMaxValue()));
    return out;
  }

  /** @return the text form; every line is {@code name: value} */
  public String toText() {
    StringBuilder sb = new StringBuilder();
    settings.forEach((k, v) -> line(sb, k, String.valueOf(v)));
    line(sb, "requests", Long.toString(result.requests()));
    line(sb, "successes", Long.toString(result.successes()));
    line(sb, "errors", Long.toString(result.errors()));
    line(sb, "total_s", String.format(Locale.ROOT, "%.4f", result.elapsedNanos() / 1e9));
    line(sb, "qps", String.format(Locale.ROOT, "%.1f", result.qps()));
    latencyMs().forEach((k, v) -> line(sb, "latency_" + k + "_ms", String.format(Locale.ROOT, "%.3f", v)));
    result.errorKinds().forEach((kind, count) -> line(sb, "error_kind", count + " " + kind));
    return sb.toString();
  }

  /** @return the JSON form: settings, counts, {@code total_s}, {@code qps}, {@code latency_ms{...}}, {@code error_kinds{kind: count}} */
  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    settings.forEach(json::put);
    json.put("requests", result.requests())
        .put("successes", result.successes())
        .put("errors", result.errors())
        .put("total_s", result.elapsedNanos() / 1e9)
        .put("qps", result.qps());
    JsonObject latency = new JsonObject();
    latencyMs().forEach(latency::put);
    json.put("latency_ms", latency);
    JsonObject kinds = new JsonObject();
    result.errorKinds().forEach(kinds::put);
    json.put("error_kinds", kinds);
    return json;
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static void line(StringBuilder sb, String name, String value) {
    sb.append(name).append(": ").append(value).append('\n');
  }
}
