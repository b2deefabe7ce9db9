package io.vertcd.tests;

import static io.vertcd.tests.Jetcd.assertError;
import static io.vertcd.tests.Jetcd.await;
import static io.vertcd.tests.Jetcd.awaitError;
import static io.vertcd.tests.Jetcd.bs;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.etcd.jetcd.Auth;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import org.junit.jupiter.api.Test;

/**
 * jetcd with a user name and password (jetcd authenticates and sends the token), side by side with etcd 3.4: users,
 * roles and a prefix permission made through jetcd's Auth client, auth enabled, then what a user may and may not do,
 * and a wrong password.
 */
class JetcdAuthTest {
    private static Client as(MemberProcess m, String user, String password) {
        return Client.builder().endpoints(m.clientUrl()).user(bs(user)).password(bs(password)).retryMaxAttempts(0).build();
    }

    @Test
    void jetcdWithUserAndPassword() throws Exception {
        SideBySide.run("jetcd-auth", m -> {
            try (Client admin = Jetcd.client(m)) {
                Auth auth = admin.getAuthClient();
                await(auth.userAdd(bs("root"), bs("rootpw")));
                await(auth.roleAdd(bs("root")));
                await(auth.userGrantRole(bs("root"), bs("root")));
                await(auth.userAdd(bs("alice"), bs("apw")));
                await(auth.roleAdd(bs("r1")));
                await(auth.roleGrantPermission(bs("r1"), bs("k/"), bs("k0"), Permission.Type.READWRITE));
                await(auth.userGrantRole(bs("alice"), bs("r1")));
                assertEquals(2, await(auth.userList()).getUsers().size());
                await(auth.authEnable());
            }
            try (Client alice = as(m, "alice", "apw")) {
                await(alice.getKVClient().put(bs("k/1"), bs("v1")));
                assertEquals("v1", await(alice.getKVClient().get(bs("k/1"))).getKvs().get(0).getValue().toString());
                assertError("PERMISSION_DENIED", "etcdserver: permission denied",
                        awaitError(alice.getKVClient().put(bs("x"), bs("v"))));
                assertError("PERMISSION_DENIED", "etcdserver: permission denied",
                        awaitError(alice.getAuthClient().userList()));
            }
            try (Client wrong = as(m, "alice", "nope")) {
                // jetcd turns the failed Authenticate (etcd: INVALID_ARGUMENT "authentication failed") into UNAUTHENTICATED
                assertEquals("UNAUTHENTICATED", awaitError(wrong.getKVClient().get(bs("k/1"))).code());
            }
            try (Client anonymous = Jetcd.client(m)) {
                assertError("INVALID_ARGUMENT", "etcdserver: user name is empty",
                        awaitError(anonymous.getKVClient().get(bs("k/1"))));
            }
            try (Client root = as(m, "root", "rootpw")) {
                assertEquals("v1", await(root.getKVClient().get(bs("k/1"))).getKvs().get(0).getValue().toString());
                await(root.getAuthClient().authDisable());
            }
            return "ok";
        });
    }
}
