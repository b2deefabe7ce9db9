package io.vertcd.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EndpointTest {

  @Test
  void parsesTheFormsEtcdClientsAccept() {
    assertEquals(new Endpoint("127.0.0.1", 2379), Endpoint.parse("127.0.0.1:2379"));
    assertEquals(new Endpoint("localhost", 42379), Endpoint.parse("http://localhost:42379/"));
    assertEquals(new Endpoint("::1", 2379), Endpoint.parse("[::1]:2379"));
    assertEquals("[::1]:2379", Endpoint.parse("[::1]:2379").toString());
    assertEquals(List.of(new Endpoint("a", 1), new Endpoint("b", 2)), Endpoint.parseList("a:1, b:2"));
  }

  @Test
  void rejectsTlsAndMalformedEndpoints() {
    assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("https://a:2379"));
    assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("a"));
    assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("a:x"));
    assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("a:70000"));
    assertThrows(IllegalArgumentException.class, () -> Endpoint.parseList(" , "));
  }
}
