package io.vertcd.server.http;

import io.vertcd.server.cli.Versions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * {@code GET /version} on the client port: {@code {"etcdserver":"<version>","etcdcluster":"<major.minor.0>"}},
 * {@code application/json} (etcd server/etcdserver/api/etcdhttp/version.go serveVersion), with the versions of
 * {@link Versions}. Other methods: 405 as etcd.
 */
public final class VersionEndpoint {
    private VersionEndpoint() {
    }

    /** Adds {@code /version} to {@code router}. */
    public static void mount(Router router) {
        String body = new JsonObject().put("etcdserver", Versions.ETCD_SERVER_VERSION)
                .put("etcdcluster", Versions.ETCD_CLUSTER_VERSION).encode();
        router.route("/version").handler(ctx -> {
            if (HealthEndpoints.getOnly(ctx)) {
                ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body);
            }
        });
    }
}
