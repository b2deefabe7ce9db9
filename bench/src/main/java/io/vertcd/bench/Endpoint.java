package io.vertcd.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * One etcd client URL from {@code --endpoints}: {@code host:port} or {@code http://host:port}
 * (etcd's clientv3 accepts both). TLS ({@code https://}) is not supported: the tool speaks
 * gRPC over cleartext HTTP/2 with prior knowledge (h2c).
 *
 * @param host host name or IP literal
 * @param port TCP port
 */
public record Endpoint(String host, int port) {

  /**
   * @param text {@code host:port}, {@code http://host:port} or {@code [v6addr]:port}
   * @throws IllegalArgumentException on a missing/invalid port or an https URL
   */
  public static Endpoint parse(String text) {
    String s = text.trim();
    if (s.startsWith("https://")) {
      throw new IllegalArgumentException("TLS endpoints are not supported: " + text);
    }
    if (s.startsWith("http://")) {
      s = s.substring("http://".length());
    }
    if (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      throw new IllegalArgumentException("endpoint must be host:port, got " + text);
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("endpoint port is not a number: " + text);
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("endpoint port out of range: " + text);
    }
    return new Endpoint(host, port);
  }

  /** @param commaSeparated the {@code --endpoints} value, e.g. {@code 10.0.0.1:2379,10.0.0.2:2379} */
  public static List<Endpoint> parseList(String commaSeparated) {
    List<Endpoint> out = new ArrayList<>();
    for (String part : commaSeparated.split(",")) {
      if (!part.isBlank()) {
        out.add(parse(part));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no endpoint given");
    }
    return out;
  }

  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
