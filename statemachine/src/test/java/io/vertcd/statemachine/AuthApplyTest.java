package io.vertcd.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.AuthEnableRequest;
import io.etcd.jetcd.api.AuthRoleAddRequest;
import io.etcd.jetcd.api.AuthRoleDeleteRequest;
import io.etcd.jetcd.api.AuthRoleGrantPermissionRequest;
import io.etcd.jetcd.api.AuthRoleRevokePermissionRequest;
import io.etcd.jetcd.api.AuthUserDeleteRequest;
import io.etcd.jetcd.api.AuthUserGetRequest;
import io.etcd.jetcd.api.AuthUserGetResponse;
import io.etcd.jetcd.api.AuthUserGrantRoleRequest;
import io.etcd.jetcd.api.AuthUserListRequest;
import io.etcd.jetcd.api.AuthUserListResponse;
import io.etcd.jetcd.api.AuthUserRevokeRoleRequest;
import io.etcd.jetcd.api.AuthenticateResponse;
import io.etcd.jetcd.api.Permission;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.vertcd.statemachine.auth.AuthInfo;
import io.vertcd.statemachine.auth.TokenProvider;
import io.vertcd.statemachine.pb.InternalAuthenticateRequest;
import io.vertcd.statemachine.pb.InternalRequest;
import io.vertcd.statemachine.pb.InternalUserAddRequest;
import io.vertcd.statemachine.pb.RequestHeader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The auth store applied through KvStore: etcd's rules and errors, permission checks at apply, persistence. */
class AuthApplyTest extends StoreFixture {
    private static InternalRequest as(String user, long rev, InternalRequest.Builder r) {
        return r.setHeader(RequestHeader.newBuilder().setUsername(user).setAuthRevision(rev)).build();
    }

    private InternalRequest root(InternalRequest.Builder r) {
        return as("root", kv.auth().revision(), r);
    }

    private EtcdError error(InternalRequest r) {
        ApplyResult res = apply(r);
        return res.error() == null ? null : res.error().error();
    }

    private static InternalRequest.Builder userAdd(String name) {
        return InternalRequest.newBuilder().setUserAdd(InternalUserAddRequest.newBuilder().setName(name)
                .setHashedPassword("$2a$10$notarealhashbutstoredasis"));
    }

    private static InternalRequest.Builder grantRole(String user, String role) {
        return InternalRequest.newBuilder().setUserGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser(user).setRole(role));
    }

    private static InternalRequest.Builder grant(String role, Permission.Type type, String key, String end) {
        return InternalRequest.newBuilder().setRoleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName(role)
                .setPerm(Permission.newBuilder().setPermType(type).setKey(ByteString.copyFromUtf8(key))
                        .setRangeEnd(ByteString.copyFromUtf8(end))));
    }

    private static InternalRequest.Builder roleAdd(String name) {
        return InternalRequest.newBuilder().setRoleAdd(AuthRoleAddRequest.newBuilder().setName(name));
    }

    private static InternalRequest.Builder enable() {
        return InternalRequest.newBuilder().setAuthEnable(AuthEnableRequest.getDefaultInstance());
    }

    /** root (root role) and alice (role r1); auth enabled. */
    private void setUp() {
        ok(InternalRequest.newBuilder().mergeFrom(userAdd("root").build()).build());
        ok(userAdd("alice").build());
        ok(roleAdd("r1").build());
        ok(grantRole("root", "root").build());
        ok(grantRole("alice", "r1").build());
        ok(enable().build());
    }

    @Test
    void enablingNeedsRootUserWithRootRole() {
        assertEquals(EtcdError.ROOT_USER_NOT_EXIST, error(enable().build()));
        ok(userAdd("root").build());
        assertEquals(EtcdError.ROOT_ROLE_NOT_EXIST, error(enable().build()));
        ok(grantRole("root", "root").build());
        long rev = kv.auth().revision();
        ok(enable().build());
        assertTrue(kv.auth().isEnabled());
        assertEquals(rev, kv.auth().revision(), "AuthEnable does not change the auth revision (etcd)");
        assertEquals(EtcdError.INVALID_AUTH_MGMT, error(root(InternalRequest.newBuilder()
                .setUserDelete(AuthUserDeleteRequest.newBuilder().setName("root")))));
        assertEquals(EtcdError.INVALID_AUTH_MGMT, error(root(InternalRequest.newBuilder()
                .setUserRevokeRole(AuthUserRevokeRoleRequest.newBuilder().setName("root").setRole("root")))));
    }

    @Test
    void changesNeedRootOnceEnabledAndAnswerEtcdErrors() {
        setUp();
        long rev = kv.auth().revision();
        assertEquals(EtcdError.USER_EMPTY, error(roleAdd("r2").build()));
        assertEquals(EtcdError.PERMISSION_DENIED, error(as("alice", rev, roleAdd("r2"))));
        assertEquals(EtcdError.USER_NOT_FOUND, error(as("mallory", rev, roleAdd("r2"))));
        assertEquals(EtcdError.USER_ALREADY_EXIST, error(root(userAdd("alice"))));
        assertEquals(EtcdError.ROLE_ALREADY_EXIST, error(root(roleAdd("r1"))));
        assertEquals(EtcdError.ROLE_NOT_FOUND, error(root(grantRole("alice", "nope"))));
        assertEquals(EtcdError.USER_NOT_FOUND, error(root(grantRole("bob", "r1"))));
        assertEquals(EtcdError.ROLE_NOT_GRANTED, error(root(InternalRequest.newBuilder()
                .setUserRevokeRole(AuthUserRevokeRoleRequest.newBuilder().setName("alice").setRole("root")))));
        assertEquals(EtcdError.PERMISSION_NOT_GRANTED, error(root(InternalRequest.newBuilder()
                .setRoleRevokePermission(AuthRoleRevokePermissionRequest.newBuilder().setRole("r1")
                        .setKey(ByteString.copyFromUtf8("x"))))));
        assertEquals(EtcdError.USER_EMPTY, error(root(userAdd(""))));
        // a user may read itself, not others
        AuthUserGetResponse self = ok(as("alice", rev, InternalRequest.newBuilder()
                .setUserGet(AuthUserGetRequest.newBuilder().setName("alice"))));
        assertEquals(List.of("r1"), self.getRolesList());
        assertEquals(EtcdError.PERMISSION_DENIED, error(as("alice", rev, InternalRequest.newBuilder()
                .setUserGet(AuthUserGetRequest.newBuilder().setName("root")))));
        AuthUserListResponse list = ok(root(InternalRequest.newBuilder().setUserList(AuthUserListRequest.getDefaultInstance())));
        assertEquals(List.of("alice", "root"), list.getUsersList());
    }

    @Test
    void writesAreCheckedAtApplyWithTheHeadersUserAndRevision() throws EtcdException {
        setUp();
        ok(root(grant("r1", Permission.Type.READWRITE, "foo", "")));
        ok(root(grant("r1", Permission.Type.WRITE, "pre/", "pre0")));
        ok(root(grant("r1", Permission.Type.READ, "z", "\0")));
        long rev = kv.auth().revision();
        assertNull(error(as("alice", rev, InternalRequest.newBuilder().setPut(Reqs.put("foo", "1")))));
        assertNull(error(as("alice", rev, InternalRequest.newBuilder().setPut(Reqs.put("pre/a", "1")))));
        assertEquals(EtcdError.PERMISSION_DENIED, error(as("alice", rev, InternalRequest.newBuilder().setPut(Reqs.put("bar", "1")))));
        assertEquals(EtcdError.PERMISSION_DENIED, error(as("alice", rev, InternalRequest.newBuilder()
                .setPut(Reqs.put("pre/a", "1").toBuilder().setPrevKv(true)))), "prev_kv needs READ too");
        assertEquals(EtcdError.USER_EMPTY, error(InternalRequest.newBuilder().setPut(Reqs.put("foo", "1")).build()));
        assertEquals(EtcdError.AUTH_OLD_REVISION, error(as("alice", rev - 1, InternalRequest.newBuilder().setPut(Reqs.put("foo", "1")))));
        assertEquals(EtcdError.PERMISSION_DENIED, error(as("alice", rev, InternalRequest.newBuilder().setDeleteRange(Reqs.del("pre/", "pre1")))));
        assertNull(error(as("alice", rev, InternalRequest.newBuilder().setDeleteRange(Reqs.del("pre/", "pre0")))));
        // txn: a nested op outside the permissions refuses the whole txn, whichever branch runs
        TxnRequest inner = TxnRequest.newBuilder().addFailure(RequestOp.newBuilder().setRequestPut(Reqs.put("bar", "x"))).build();
        TxnRequest txn = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestPut(Reqs.put("foo", "2")))
                .addSuccess(RequestOp.newBuilder().setRequestTxn(inner)).build();
        long before = kv.currentRevision();
        assertEquals(EtcdError.PERMISSION_DENIED, error(as("alice", rev, InternalRequest.newBuilder().setTxn(txn))));
        assertEquals(before, kv.currentRevision(), "a refused txn writes nothing");
        assertNull(error(as("root", rev, InternalRequest.newBuilder().setTxn(txn))), "root may do anything");
        // range checks (made before a read is served)
        kv.auth().checkRange(new AuthInfo("alice", rev), b("zebra"), new byte[] {0});
        assertEquals(EtcdError.PERMISSION_DENIED, assertRefused(() -> kv.auth().checkRange(new AuthInfo("alice", rev), b("pre/"), b("pre0"))));
        // revoking the role takes the permission away and moves the revision
        ok(root(InternalRequest.newBuilder().setUserRevokeRole(AuthUserRevokeRoleRequest.newBuilder().setName("alice").setRole("r1"))));
        long rev2 = kv.auth().revision();
        assertEquals(EtcdError.PERMISSION_DENIED, error(as("alice", rev2, InternalRequest.newBuilder().setPut(Reqs.put("foo", "1")))));
        // deleting a role removes it from its users
        ok(root(grantRole("alice", "r1")));
        ok(root(InternalRequest.newBuilder().setRoleDelete(AuthRoleDeleteRequest.newBuilder().setRole("r1"))));
        assertFalse(kv.auth().hasRole("alice", "r1"));
    }

    private static byte[] b(String s) {
        return ByteString.copyFromUtf8(s).toByteArray();
    }

    private interface Check {
        void run() throws EtcdException;
    }

    private static EtcdError assertRefused(Check c) {
        try {
            c.run();
        } catch (EtcdException e) {
            return e.error();
        }
        throw new AssertionError("expected a refusal");
    }

    @Test
    void authenticateAssignsThroughTheTokenProviderAndUserChangesInvalidate() {
        List<String> events = new ArrayList<>();
        kv.auth().setTokenProvider(new TokenProvider() {
            @Override
            public String assign(String username, long revision, String prefix, long index) {
                events.add("assign " + username + " " + prefix + "." + index);
                return prefix + "." + index;
            }

            @Override
            public AuthInfo info(String token, long currentRevision) {
                return null;
            }

            @Override
            public void enable() {
                events.add("enable");
            }

            @Override
            public void disable() {
                events.add("disable");
            }

            @Override
            public void invalidateUser(String username) {
                events.add("invalidate " + username);
            }
        });
        InternalRequest auth = InternalRequest.newBuilder().setAuthenticate(InternalAuthenticateRequest.newBuilder()
                .setName("alice").setSimpleToken("abc")).build();
        assertEquals(EtcdError.AUTH_NOT_ENABLED, error(auth));
        setUp();
        AuthenticateResponse resp = ok(auth);
        assertEquals("abc." + index, resp.getToken());
        ok(root(InternalRequest.newBuilder().setUserDelete(AuthUserDeleteRequest.newBuilder().setName("alice"))));
        assertEquals(EtcdError.AUTH_FAILED, error(auth));
        ok(root(InternalRequest.newBuilder().setUserAdd(InternalUserAddRequest.newBuilder().setName("np").setNoPassword(true))));
        assertEquals(EtcdError.AUTH_FAILED, error(InternalRequest.newBuilder().setAuthenticate(
                InternalAuthenticateRequest.newBuilder().setName("np")).build()), "a user without password cannot authenticate");
        assertEquals(List.of("enable", "assign alice abc." + (index - 4), "invalidate alice"), events.subList(0, 3));
    }

    @Test
    void theAuthStoreIsWrittenWithTheCheckpointAndOnlyThen() throws IOException {
        setUp();
        kv.checkpoint();
        long rev = kv.auth().revision();
        ok(root(userAdd("bob")));
        CheckpointMarker marker = CheckpointMarker.read(dir.resolve("snap"));
        assertTrue(marker.auth().getEnabled());
        assertEquals(rev, marker.auth().getRevision(), "the marker holds the auth store as of the checkpoint");
        assertEquals(List.of("alice", "root"), marker.auth().getUsersList().stream().map(u -> u.getName().toStringUtf8()).toList());
        kv.close();
        kv = KvStore.open(dir.resolve("snap"), options());
        assertTrue(kv.auth().isEnabled());
        assertEquals(rev + 1, kv.auth().revision());
        assertTrue(kv.auth().user("bob") != null, "close checkpoints; bob is back after the reopen");
        assertTrue(kv.auth().hasRole("root", "root"));
    }

    @Test
    void storeSnapshotsCarryTheAuthStore() throws IOException {
        setUp();
        ok(root(grant("r1", Permission.Type.READ, "k", "")));
        StoreSnapshots.export(kv, dir.resolve("export"));
        StoreSnapshots.install(dir.resolve("export"), dir.resolve("installed"), options());
        try (KvStore other = KvStore.open(dir.resolve("installed"), options())) {
            assertEquals(kv.auth().snapshot(), other.auth().snapshot());
        }
    }
}
