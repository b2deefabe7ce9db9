package io.vertcd.server;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import java.util.ArrayList;
import java.util.List;

/** The HTTP servers a verticle listens with: started together, closed together. Used on the verticle's context. */
final class HttpListeners {
    private final List<HttpServer> servers = new ArrayList<>();
    private final List<Future<HttpServer>> listening = new ArrayList<>();

    /** Starts {@code server} listening and keeps it for {@link #close()}. */
    void listen(HttpServer server) {
        servers.add(server);
        listening.add(server.listen());
    }

    /** @return completes when every server listens; fails when one cannot (e.g. its port is taken) */
    Future<?> allListening() {
        return Future.all(listening);
    }

    /** @return completes when every server has closed, whether or not each close succeeded */
    Future<?> close() {
        List<Future<Void>> closing = new ArrayList<>();
        servers.forEach(s -> closing.add(s.close()));
        return Future.join(closing);
    }
}
