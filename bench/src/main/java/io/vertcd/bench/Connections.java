package io.vertcd.bench;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpVersion;

import java.util.ArrayList;
import java.util.List;

/**
 * Exactly {@code --conns} HTTP/2 connections (gRPC over h2c with prior knowledge), connection
 * {@code i} to endpoint {@code i % endpoints}. Each connection is owned by its own small verticle,
 * so Vert.x spreads them over its event loops; each is opened explicitly with
 * {@link HttpClientAgent#connect}, so no pool adds or swaps connections behind the tool's back
 * (etcd's benchmark {@code mustCreateConn} likewise dials one gRPC connection per {@code --conns}).
 */
public final class Connections {
  private final Vertx vertx;
  private final HttpClientAgent agent;
  private final List<String> deployments;
  private final List<KvClient> clients;

  private Connections(Vertx vertx, HttpClientAgent agent, List<String> deployments, List<KvClient> clients) {
    this.vertx = vertx;
    this.agent = agent;
    this.deployments = deployments;
    this.clients = clients;
  }

  /**
   * Opens the connections; fails (closing what was opened) if any of them cannot be opened.
   *
   * @param endpoints     targets, used round-robin
   * @param count         number of connections, &ge; 1
   * @param dialTimeoutMs TCP connect timeout in ms
   * @param callTimeoutMs per-call deadline in ms (0 = none), see {@link KvClient}
   * @throws IllegalArgumentException if {@code count < 1} or no endpoint is given
   */
  public static Future<Connections> open(Vertx vertx, List<Endpoint> endpoints, int count,
                                         long dialTimeoutMs, long callTimeoutMs) {
    if (count < 1) {
      throw new IllegalArgumentException("--conns must be positive: " + count);
    }
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no endpoint given");
    }
    HttpClientOptions options = new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false)
        .setTcpNoDelay(true)
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, dialTimeoutMs));
    HttpClientAgent agent = vertx.createHttpClient(options);
    List<ConnectionVerticle> verticles = new ArrayList<>(count);
    List<Future<String>> deploying = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ConnectionVerticle v = new ConnectionVerticle(agent, endpoints.get(i % endpoints.size()), dialTimeoutMs, callTimeoutMs);
      verticles.add(v);
      deploying.add(vertx.deployVerticle(v));
    }
    return Future.join(deploying).transform(ar -> {
      List<String> ids = new ArrayList<>(count);
      List<KvClient> opened = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        if (deploying.get(i).succeeded()) {
          ids.add(deploying.get(i).result());
          opened.add(verticles.get(i).kv);
        }
      }
      Connections connections = new Connections(vertx, agent, ids, opened);
      if (ar.succeeded()) {
        return Future.succeededFuture(connections);
      }
      return connections.close().transform(ignored -> Future.failedFuture(ar.cause()));
    });
  }

  /** @return one {@link KvClient} per connection, in connection order */
  public List<KvClient> clients() {
    return clients;
  }

  /** Closes every connection (undeploying its verticle) and the client agent. */
  public Future<Void> close() {
    List<Future<Void>> closing = new ArrayList<>();
    for (String id : deployments) {
      closing.add(vertx.undeploy(id));
    }
    return Future.join(closing).transform(ar -> agent.close());
  }

  /** Owns one connection on the event loop Vert.x gave this verticle. */
  private static final class ConnectionVerticle extends VerticleBase {
    private final HttpClientAgent agent;
    private final Endpoint endpoint;
    private final long dialTimeoutMs;
    private final long callTimeoutMs;
    private KvClient kv;

    ConnectionVerticle(HttpClientAgent agent, Endpoint endpoint, long dialTimeoutMs, long callTimeoutMs) {
      this.agent = agent;
      this.endpoint = endpoint;
      this.dialTimeoutMs = dialTimeoutMs;
      this.callTimeoutMs = callTimeoutMs;
    }

    @Override
    public Future<?> start() {
      return agent.connect(new HttpConnectOptions().setHost(endpoint.host()).setPort(endpoint.port())
              .setConnectTimeout(dialTimeoutMs))
          .map(connection -> kv = new KvClient(vertx, connection, context, endpoint, callTimeoutMs));
    }

    @Override
    public Future<?> stop() {
      return kv == null ? Future.succeededFuture() : kv.close().recover(t -> Future.succeededFuture());
    }
  }
}
