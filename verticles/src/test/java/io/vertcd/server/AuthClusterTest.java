package io.vertcd.server;

import static io.vertcd.server.InProcessCluster.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import io.etcd.jetcd.api.AuthEnableRequest;
import io.etcd.jetcd.api.AuthEnableResponse;
import io.etcd.jetcd.api.AuthRoleAddRequest;
import io.etcd.jetcd.api.AuthRoleAddResponse;
import io.etcd.jetcd.api.AuthRoleGrantPermissionRequest;
import io.etcd.jetcd.api.AuthRoleGrantPermissionResponse;
import io.etcd.jetcd.api.AuthUserAddRequest;
import io.etcd.jetcd.api.AuthUserAddResponse;
import io.etcd.jetcd.api.AuthUserDeleteRequest;
import io.etcd.jetcd.api.AuthUserDeleteResponse;
import io.etcd.jetcd.api.AuthUserGrantRoleRequest;
import io.etcd.jetcd.api.AuthUserGrantRoleResponse;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.etcd.jetcd.api.AuthenticateResponse;
import io.etcd.jetcd.api.Permission;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Auth on three real members in one JVM (ports 28500-28505) with JWT tokens: enabled through one member, it applies
 * on every member; a token issued by one member works on the others and after a restart of the whole cluster; etcd's
 * errors for a missing, malformed, forged or stale token, a wrong password, a 1 MiB user name and a deleted user; and a
 * one-member cluster with simple tokens (their expiry: {@code auth.SimpleTokensTest}).
 */
class AuthClusterTest {
    private static final int SIZE = 3;

    @TempDir
    Path dir;

    private InProcessCluster c;

    @AfterEach
    void tearDown() throws Exception {
        if (c != null) {
            c.close();
            assertEquals(Map.of(), c.fatal);
        }
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    /** @return the --auth-token value for an RS256 key pair written into {@code dir} */
    private static String jwtFlag(Path dir, String name) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair kp = g.generateKeyPair();
        Path priv = dir.resolve(name + ".key");
        Path pub = dir.resolve(name + ".pub");
        Files.writeString(priv, pem("PRIVATE KEY", kp.getPrivate().getEncoded()));
        Files.writeString(pub, pem("PUBLIC KEY", kp.getPublic().getEncoded()));
        return "jwt,pub-key=" + pub + ",priv-key=" + priv + ",sign-method=RS256,ttl=5m";
    }

    private static Map<String, String> token(String t) {
        return Map.of("token", t);
    }

    private <T extends Message> T ok(int i, String method, Message req, T proto, Map<String, String> md) throws Exception {
        TestGrpcClient.Result<T> r = c.client(i).call("Auth", method, req, proto, md);
        assertEquals(GrpcStatus.OK, r.status(), method + ": " + r.message());
        return r.response();
    }

    private TestGrpcClient.Result<PutResponse> put(int i, String key, Map<String, String> md) throws Exception {
        return c.client(i).call("KV", "Put", PutRequest.newBuilder().setKey(b(key)).setValue(b("v")).build(),
                PutResponse.getDefaultInstance(), md);
    }

    private TestGrpcClient.Result<RangeResponse> get(int i, String key, Map<String, String> md) throws Exception {
        return c.client(i).call("KV", "Range", RangeRequest.newBuilder().setKey(b(key)).build(),
                RangeResponse.getDefaultInstance(), md);
    }

    private String authenticate(int i, String user, String password) throws Exception {
        return ok(i, "Authenticate", AuthenticateRequest.newBuilder().setName(user).setPassword(password).build(),
                AuthenticateResponse.getDefaultInstance(), Map.of()).getToken();
    }

    private static void assertStatus(GrpcStatus status, String message, TestGrpcClient.Result<?> r) {
        assertEquals(status, r.status(), r.message());
        assertEquals(message, r.message());
    }

    /** root (root role) and alice (role r1: READWRITE on the prefix k/), then auth enabled, all through member 0. */
    private void addUsersAndEnable() throws Exception {
        Map<String, String> none = Map.of();
        ok(0, "UserAdd", AuthUserAddRequest.newBuilder().setName("root").setPassword("rootpw").build(), AuthUserAddResponse.getDefaultInstance(), none);
        ok(0, "UserAdd", AuthUserAddRequest.newBuilder().setName("alice").setPassword("apw").build(), AuthUserAddResponse.getDefaultInstance(), none);
        ok(0, "RoleAdd", AuthRoleAddRequest.newBuilder().setName("r1").build(), AuthRoleAddResponse.getDefaultInstance(), none);
        ok(0, "RoleGrantPermission", AuthRoleGrantPermissionRequest.newBuilder().setName("r1").setPerm(Permission.newBuilder()
                .setPermType(Permission.Type.READWRITE).setKey(b("k/")).setRangeEnd(b("k0"))).build(),
                AuthRoleGrantPermissionResponse.getDefaultInstance(), none);
        ok(0, "UserGrantRole", AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build(), AuthUserGrantRoleResponse.getDefaultInstance(), none);
        ok(0, "UserGrantRole", AuthUserGrantRoleRequest.newBuilder().setUser("alice").setRole("r1").build(), AuthUserGrantRoleResponse.getDefaultInstance(), none);
        ok(0, "AuthEnable", AuthEnableRequest.getDefaultInstance(), AuthEnableResponse.getDefaultInstance(), none);
    }

    @Test
    void jwtAuthOnThreeMembersSurvivesARestart() throws Exception {
        c = new InProcessCluster(dir, 28500, SIZE, SIZE, "auth-three");
        c.extraFlags = new String[] {"--auth-token", jwtFlag(dir, "jwt"), "--bcrypt-cost", "4"};
        for (int i = 0; i < SIZE; i++) {
            c.start(i);
        }
        c.awaitAgreedLeader();
        addUsersAndEnable();
        InProcessCluster.await("auth enabled on every member", () -> {
            for (int i = 0; i < SIZE; i++) {
                if (!c.server(i).node().authenticator().store().isEnabled()) {
                    return false;
                }
            }
            return true;
        });
        String alice = authenticate(0, "alice", "apw");
        assertEquals(3, alice.split("\\.").length, "a JWT: " + alice);
        // a token issued by member 0 works on members 1 and 2
        assertEquals(GrpcStatus.OK, put(1, "k/1", token(alice)).status());
        assertEquals(GrpcStatus.OK, get(2, "k/1", token(alice)).status());
        assertStatus(GrpcStatus.PERMISSION_DENIED, "etcdserver: permission denied", put(2, "x", token(alice)));
        assertStatus(GrpcStatus.PERMISSION_DENIED, "etcdserver: permission denied", get(1, "x", token(alice)));
        assertStatus(GrpcStatus.INVALID_ARGUMENT, "etcdserver: user name is empty", put(1, "k/1", Map.of()));
        assertStatus(GrpcStatus.UNAUTHENTICATED, "etcdserver: invalid auth token", put(1, "k/1", token("not.a.jwt")));
        assertStatus(GrpcStatus.UNAUTHENTICATED, "etcdserver: invalid auth token", put(1, "k/1", token("garbage")));
        String[] parts = alice.split("\\.");
        String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                "{\"username\":\"root\",\"revision\":99,\"exp\":9999999999}".getBytes()) + "." + parts[2];
        assertStatus(GrpcStatus.UNAUTHENTICATED, "etcdserver: invalid auth token", put(1, "k/1", token(forged)));
        assertStatus(GrpcStatus.INVALID_ARGUMENT, "etcdserver: authentication failed, invalid user ID or password",
                c.client(1).call("Auth", "Authenticate", AuthenticateRequest.newBuilder().setName("alice").setPassword("nope").build(),
                        AuthenticateResponse.getDefaultInstance(), Map.of()));
        String huge = "u".repeat(1 << 20);
        assertStatus(GrpcStatus.INVALID_ARGUMENT, "etcdserver: authentication failed, invalid user ID or password",
                c.client(2).call("Auth", "Authenticate", AuthenticateRequest.newBuilder().setName(huge).setPassword("x").build(),
                        AuthenticateResponse.getDefaultInstance(), Map.of()));
        // a change of the auth store makes older tokens stale for writes and reads
        String root = authenticate(2, "root", "rootpw");
        ok(1, "RoleAdd", AuthRoleAddRequest.newBuilder().setName("r2").build(), AuthRoleAddResponse.getDefaultInstance(), token(root));
        InProcessCluster.await("member 2 applied the new role", () ->
                c.server(2).node().authenticator().store().revision() == c.server(1).node().authenticator().store().revision());
        assertStatus(GrpcStatus.INVALID_ARGUMENT, "etcdserver: revision of auth store is old", put(2, "k/1", token(alice)));
        String alice2 = authenticate(1, "alice", "apw");
        assertEquals(GrpcStatus.OK, put(2, "k/2", token(alice2)).status());

        // the whole cluster restarts: auth stays on, users stay, the token still works on every member
        for (int i = 0; i < SIZE; i++) {
            c.stop(i);
        }
        for (int i = 0; i < SIZE; i++) {
            c.start(i);
        }
        c.awaitAgreedLeader();
        for (int i = 0; i < SIZE; i++) {
            assertTrue(c.server(i).node().authenticator().store().isEnabled(), "member " + i);
            TestGrpcClient.Result<RangeResponse> r = get(i, "k/2", token(alice2));
            assertEquals(GrpcStatus.OK, r.status(), r.message());
            assertEquals("v", InProcessCluster.value(r.response()));
        }
        // a deleted user's token verifies but the user has no permissions any more
        ok(0, "UserDelete", AuthUserDeleteRequest.newBuilder().setName("alice").build(), AuthUserDeleteResponse.getDefaultInstance(),
                token(authenticate(0, "root", "rootpw")));
        InProcessCluster.await("alice is gone on member 2", () -> c.server(2).node().authenticator().store().user("alice") == null);
        TestGrpcClient.Result<PutResponse> deleted = put(2, "k/3", token(alice2));
        assertFalse(deleted.status() == GrpcStatus.OK, "a deleted user cannot write");
    }

    @Test
    void simpleTokensDieWithTheirUser() throws Exception {
        c = new InProcessCluster(dir, 28500, 1, 1, "auth-simple");
        c.extraFlags = new String[] {"--bcrypt-cost", "4"};
        c.start(0);
        c.awaitAgreedLeader();
        addUsersAndEnable();
        String alice = authenticate(0, "alice", "apw");
        assertTrue(alice.matches("[a-zA-Z]{16}\\.[0-9]+"), "etcd's simple token form: " + alice);
        assertEquals(GrpcStatus.OK, put(0, "k/1", token(alice)).status());
        String again = authenticate(0, "alice", "apw");
        assertEquals(GrpcStatus.OK, get(0, "k/1", token(again)).status());
        ok(0, "UserDelete", AuthUserDeleteRequest.newBuilder().setName("alice").build(), AuthUserDeleteResponse.getDefaultInstance(),
                token(authenticate(0, "root", "rootpw")));
        assertStatus(GrpcStatus.UNAUTHENTICATED, "etcdserver: invalid auth token", get(0, "k/1", token(again)));
    }
}
