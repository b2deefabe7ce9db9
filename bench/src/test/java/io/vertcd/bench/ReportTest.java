package io.vertcd.bench;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportTest {

  private static Report sample() {
    Histogram h = new Histogram(3);
    for (int i = 1; i <= 1000; i++) {
      h.recordValue(i * 1_000_000L); // 1..1000 ms
    }
    Map<String, Long> kinds = new TreeMap<>(Map.of("UNAVAILABLE: etcdserver: leader changed", 2L));
    RunResult r = new RunResult(1002, 1000, 2, kinds, h, 2_000_000_000L);
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("workload", "put");
    settings.put("clients", 4);
    return new Report(settings, r);
  }

  @Test
  void textIsOneNameValuePairPerLineWithFixedNames() {
    String text = sample().toText();
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      int sep = line.indexOf(": ");
      assertTrue(sep > 0, "not name: value -> " + line);
      fields.putIfAbsent(line.substring(0, sep), line.substring(sep + 2));
    }
    assertEquals("put", fields.get("workload"));
    assertEquals("1002", fields.get("requests"));
    assertEquals("1000", fields.get("successes"));
    assertEquals("2", fields.get("errors"));
    assertEquals("2.0000", fields.get("total_s"));
    assertEquals("500.0", fields.get("qps"));
    assertEquals("1.000", fields.get("latency_min_ms"));
    assertEquals(1000.0, Double.parseDouble(fields.get("latency_max_ms")), 1.0);
    double p50 = Double.parseDouble(fields.get("latency_p50_ms"));
    double p99 = Double.parseDouble(fields.get("latency_p99_ms"));
    double p999 = Double.parseDouble(fields.get("latency_p99.9_ms"));
    assertEquals(500.0, p50, 0.5);
    assertEquals(990.0, p99, 1.0);
    assertEquals(999.0, p999, 1.0);
    assertEquals(500.5, Double.parseDouble(fields.get("latency_avg_ms")), 0.5);
    assertTrue(fields.containsKey("latency_p90_ms"));
    assertEquals("2 UNAVAILABLE: etcdserver: leader changed", fields.get("error_kind"));
  }

  @Test
  void jsonCarriesTheSameFigures() {
    JsonObject json = sample().toJson();
    assertEquals("put", json.getString("workload"));
    assertEquals(4, json.getInteger("clients"));
    assertEquals(2L, json.getLong("errors"));
    assertEquals(500.0, json.getDouble("qps"), 1e-9);
    assertEquals(990.0, json.getJsonObject("latency_ms").getDouble("p99"), 1.0);
    assertEquals(2L, json.getJsonObject("error_kinds").getLong("UNAVAILABLE: etcdserver: leader changed"));
    // round-trips through text
    assertEquals(json, new JsonObject(json.encode()));
  }

  @Test
  void emptyRunPrintsZeroLatencies() {
    RunResult r = new RunResult(0, 0, 0, Map.of(), new Histogram(3), 0);
    Report report = new Report(Map.of("workload", "range"), r);
    assertEquals(0.0, report.latencyMs().get("p99"));
    assertTrue(report.toText().contains("qps: 0.0\n"));
  }
}
