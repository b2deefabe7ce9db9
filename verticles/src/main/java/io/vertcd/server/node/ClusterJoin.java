package io.vertcd.server.node;

import io.vertcd.server.cli.ClusterMember;
import io.vertcd.server.cli.ConfigException;
import io.vertcd.server.cli.ServerConfig;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberListResponse;
import io.vertcd.server.peer.PeerWire;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How a member started with {@code --initial-cluster-state existing} learns who it is: it asks the
 * other members of {@code --initial-cluster}, over their peer URLs ({@link PeerWire#MEMBERS_PATH}),
 * for the cluster's members and ID, and finds itself as the member whose peer URLs are its own
 * advertised peer URLs (etcd GetClusterFromRemotePeers and ValidateClusterAndAssignIDs). The member
 * must have been added first (Cluster.MemberAdd).
 */
public final class ClusterJoin {
    /** What the running cluster said. @param clusterId its ID @param memberId this member's ID @param members all members */
    public record Joined(long clusterId, long memberId, List<Member> members) {
    }

    /** Per-request timeout, ms (etcd uses 1 s per URL). */
    static final long REQUEST_TIMEOUT_MS = 1000;
    /** Pause between two rounds over the URLs, ms. */
    static final long ROUND_PAUSE_MS = 300;

    private ClusterJoin() {
    }

    /**
     * @param vertx the Vert.x instance (the requests do not block)
     * @param config the joining member's configuration (its advertised peer URLs and the initial cluster)
     * @param deadlineMs give up after this long, ms
     * @return the cluster ID, this member's ID and the members; fails with {@link ConfigException} when
     *     no member answered ("could not retrieve cluster information from the given URLs") or the
     *     cluster has no member with this member's peer URLs
     */
    public static Future<Joined> join(Vertx vertx, ServerConfig config, long deadlineMs) {
        List<URI> urls = new ArrayList<>();
        Set<String> own = new HashSet<>();
        config.advertisePeerUrls().forEach(u -> own.add(u.toString()));
        for (ClusterMember m : config.initialCluster()) {
            for (URI u : m.peerUrls()) {
                if (!own.contains(u.toString())) {
                    urls.add(u);
                }
            }
        }
        HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) REQUEST_TIMEOUT_MS));
        Promise<Joined> result = Promise.promise();
        long deadline = System.nanoTime() / 1_000_000 + deadlineMs;
        attempt(vertx, client, urls, 0, deadline, own, result);
        return result.future().eventually(client::close);
    }

    private static void attempt(Vertx vertx, HttpClientAgent client, List<URI> urls, int i, long deadline,
                                Set<String> own, Promise<Joined> result) {
        if (urls.isEmpty()) {
            result.fail(new ConfigException("vertcd: --initial-cluster-state existing needs other members in --initial-cluster"));
            return;
        }
        URI url = urls.get(i % urls.size());
        RequestOptions req = new RequestOptions().setMethod(HttpMethod.GET).setHost(url.getHost()).setPort(url.getPort())
                .setURI(PeerWire.MEMBERS_PATH).setTimeout(REQUEST_TIMEOUT_MS);
        client.request(req).compose(r -> r.send()).compose(resp -> resp.body().map(body -> {
            if (resp.statusCode() != 200) {
                throw new IllegalStateException(url + " answered " + resp.statusCode());
            }
            try {
                return MemberListResponse.parseFrom(body.getBytes());
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException(url + " sent a malformed member list", e);
            }
        })).onComplete(ar -> {
            if (ar.succeeded()) {
                MemberListResponse list = ar.result();
                for (Member m : list.getMembersList()) {
                    if (!m.getPeerURLsList().isEmpty() && own.containsAll(m.getPeerURLsList())
                            && m.getPeerURLsCount() == own.size()) {
                        result.complete(new Joined(list.getHeader().getClusterId(), m.getID(), list.getMembersList()));
                        return;
                    }
                }
                result.fail(new ConfigException("vertcd: member with peer URLs " + own + " is not in the cluster "
                        + "(add it first: etcdctl member add); members: " + list.getMembersList()));
                return;
            }
            if (System.nanoTime() / 1_000_000 >= deadline) {
                result.fail(new ConfigException("vertcd: could not retrieve cluster information from the given URLs "
                        + urls + ": " + ar.cause().getMessage()));
                return;
            }
            long pause = (i + 1) % urls.size() == 0 ? ROUND_PAUSE_MS : 1;
            vertx.setTimer(pause, t -> attempt(vertx, client, urls, i + 1, deadline, own, result));
        });
    }
}
