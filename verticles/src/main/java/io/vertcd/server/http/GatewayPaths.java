package io.vertcd.server.http;

import io.vertx.grpc.common.ServiceName;
import java.util.HashMap;
import java.util.Map;

/**
 * etcd 3.4's gateway paths (the patterns of etcdserver/etcdserverpb/gw/rpc.pb.gw.go, v3lock/v3lockpb/gw and
 * v3election/v3electionpb/gw), each {@code POST}, to the gRPC method it calls. {@code /v3/maintenance/hash} is both
 * Hash and HashKV in etcd's table; the first registered, Hash, is the one etcd serves. {@code /v3beta/...} paths are
 * rewritten to {@code /v3/...} first, as etcd's accessController does.
 */
final class GatewayPaths {
    /**
     * A gRPC method.
     *
     * @param service its service
     * @param method its name
     * @param serverStreaming true for a method with one request and a stream of responses (Observe, Snapshot)
     */
    record Target(ServiceName service, String method, boolean serverStreaming) {
    }

    private static final Map<String, Target> PATHS = new HashMap<>();

    static {
        String pb = "etcdserverpb";
        add("/v3/kv/range", pb, "KV", "Range");
        add("/v3/kv/put", pb, "KV", "Put");
        add("/v3/kv/deleterange", pb, "KV", "DeleteRange");
        add("/v3/kv/txn", pb, "KV", "Txn");
        add("/v3/kv/compaction", pb, "KV", "Compact");
        add("/v3/watch", pb, "Watch", "Watch");
        add("/v3/lease/grant", pb, "Lease", "LeaseGrant");
        add("/v3/lease/revoke", pb, "Lease", "LeaseRevoke");
        add("/v3/lease/keepalive", pb, "Lease", "LeaseKeepAlive");
        add("/v3/lease/timetolive", pb, "Lease", "LeaseTimeToLive");
        add("/v3/lease/leases", pb, "Lease", "LeaseLeases");
        add("/v3/kv/lease/revoke", pb, "Lease", "LeaseRevoke"); // the older paths etcd 3.4 still binds
        add("/v3/kv/lease/timetolive", pb, "Lease", "LeaseTimeToLive");
        add("/v3/kv/lease/leases", pb, "Lease", "LeaseLeases");
        add("/v3/cluster/member/add", pb, "Cluster", "MemberAdd");
        add("/v3/cluster/member/remove", pb, "Cluster", "MemberRemove");
        add("/v3/cluster/member/update", pb, "Cluster", "MemberUpdate");
        add("/v3/cluster/member/list", pb, "Cluster", "MemberList");
        add("/v3/cluster/member/promote", pb, "Cluster", "MemberPromote");
        add("/v3/maintenance/alarm", pb, "Maintenance", "Alarm");
        add("/v3/maintenance/status", pb, "Maintenance", "Status");
        add("/v3/maintenance/defragment", pb, "Maintenance", "Defragment");
        add("/v3/maintenance/hash", pb, "Maintenance", "Hash");
        add("/v3/maintenance/snapshot", pb, "Maintenance", "Snapshot");
        add("/v3/maintenance/transfer-leadership", pb, "Maintenance", "MoveLeader");
        add("/v3/auth/enable", pb, "Auth", "AuthEnable");
        add("/v3/auth/disable", pb, "Auth", "AuthDisable");
        add("/v3/auth/authenticate", pb, "Auth", "Authenticate");
        add("/v3/auth/user/add", pb, "Auth", "UserAdd");
        add("/v3/auth/user/get", pb, "Auth", "UserGet");
        add("/v3/auth/user/list", pb, "Auth", "UserList");
        add("/v3/auth/user/delete", pb, "Auth", "UserDelete");
        add("/v3/auth/user/changepw", pb, "Auth", "UserChangePassword");
        add("/v3/auth/user/grant", pb, "Auth", "UserGrantRole");
        add("/v3/auth/user/revoke", pb, "Auth", "UserRevokeRole");
        add("/v3/auth/role/add", pb, "Auth", "RoleAdd");
        add("/v3/auth/role/get", pb, "Auth", "RoleGet");
        add("/v3/auth/role/list", pb, "Auth", "RoleList");
        add("/v3/auth/role/delete", pb, "Auth", "RoleDelete");
        add("/v3/auth/role/grant", pb, "Auth", "RoleGrantPermission");
        add("/v3/auth/role/revoke", pb, "Auth", "RoleRevokePermission");
        add("/v3/lock/lock", "v3lockpb", "Lock", "Lock");
        add("/v3/lock/unlock", "v3lockpb", "Lock", "Unlock");
        add("/v3/election/campaign", "v3electionpb", "Election", "Campaign");
        add("/v3/election/proclaim", "v3electionpb", "Election", "Proclaim");
        add("/v3/election/leader", "v3electionpb", "Election", "Leader");
        add("/v3/election/observe", "v3electionpb", "Election", "Observe");
        add("/v3/election/resign", "v3electionpb", "Election", "Resign");
    }

    private GatewayPaths() {
    }

    private static void add(String path, String pkg, String service, String method) {
        PATHS.put(path, new Target(ServiceName.create(pkg, service), method,
                method.equals("Observe") || method.equals("Snapshot")));
    }

    /**
     * @param path the request path
     * @return the method, or null for a path the gateway does not have
     */
    static Target target(String path) {
        if (path.startsWith("/v3beta/")) {
            path = "/v3/" + path.substring("/v3beta/".length());
        }
        return PATHS.get(path);
    }
}
