package io.vertcd.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertcd.tests.EtcdctlCompatibilityTest.Step;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * etcdctl 3.4's {@code user}, {@code role} and {@code auth} commands, and key-value commands run as users, against
 * real etcd 3.4 and against vertcd: the same transcript, compared step by step (exit code, stdout, stderr after
 * {@link OutputMask}). Covers user add/get/list/delete/passwd, role add/get/list/delete, grant-permission on a key,
 * a prefix and from a key, revoke-permission, grant-role/revoke-role, auth enable/disable, put/get/txn as a user,
 * permission denied, a wrong password, a deleted user, and etcd's errors for each. Transcripts go to
 * {@code target/e2e-logs/auth-*.txt}.
 */
class EtcdctlAuthCompatibilityTest {
    /** etcdctl exits 2 when it cannot authenticate (ExitBadConnection). */
    private static Step authFailed(String... args) {
        return new Step(null, 2, List.of(args));
    }

    static List<Step> script() {
        List<Step> s = new ArrayList<>();
        s.add(Step.ok("user", "add", "root:rootpw"));
        s.add(Step.ok("user", "add", "alice:apw"));
        s.add(Step.err("user", "add", "alice:other"));                       // user name already exists
        s.add(Step.ok("user", "add", "nopw", "--no-password"));
        s.add(Step.ok("user", "list"));
        s.add(Step.ok("role", "add", "root"));
        s.add(Step.ok("role", "add", "r1"));
        s.add(Step.err("role", "add", "r1"));                                 // role name already exists
        s.add(Step.ok("role", "grant-permission", "r1", "readwrite", "foo"));
        s.add(Step.ok("role", "grant-permission", "r1", "read", "pre/", "--prefix"));
        s.add(Step.ok("role", "grant-permission", "r1", "write", "z", "--from-key"));
        s.add(Step.ok("role", "grant-permission", "r1", "read", "a", "c"));
        s.add(Step.ok("role", "get", "r1"));
        s.add(Step.err("role", "get", "nope"));                               // role name not found
        s.add(Step.ok("role", "list"));
        s.add(Step.err("auth", "enable"));                                    // root user does not have root role
        s.add(Step.ok("user", "grant-role", "root", "root"));
        s.add(Step.ok("user", "grant-role", "alice", "r1"));
        s.add(Step.err("user", "grant-role", "alice", "nope"));               // role name not found
        s.add(Step.err("user", "grant-role", "carol", "r1"));                 // user name not found
        s.add(Step.ok("user", "get", "alice"));
        s.add(Step.ok("user", "get", "alice", "--detail"));
        s.add(Step.ok("put", "foo", "before"));
        s.add(Step.ok("auth", "enable"));
        s.add(Step.err("put", "foo", "bar"));                                 // user name is empty
        s.add(Step.err("get", "foo"));                                        // user name is empty
        s.add(Step.ok("put", "foo", "bar", "--user", "alice:apw"));
        s.add(Step.ok("get", "foo", "--user", "alice:apw"));
        s.add(Step.ok("get", "foo", "--user", "alice:apw", "-w", "json"));
        s.add(Step.err("put", "bar", "x", "--user", "alice:apw"));            // permission denied
        s.add(Step.ok("get", "bar", "--user", "alice:apw"));                  // inside [a, c)
        s.add(Step.err("get", "other", "--user", "alice:apw"));               // permission denied
        s.add(Step.ok("get", "pre/", "--prefix", "--user", "alice:apw"));
        s.add(Step.err("get", "pre", "--prefix", "--user", "alice:apw"));     // wider than the grant
        s.add(Step.ok("get", "a", "b", "--user", "alice:apw"));               // inside [a, c)
        s.add(Step.ok("put", "zeta", "1", "--user", "alice:apw"));            // from-key write
        s.add(Step.err("get", "zeta", "--user", "alice:apw"));                // write only
        s.add(Step.err("put", "foo", "x", "--prev-kv", "--user", "nopw:"));   // no-password user cannot log in
        s.add(authFailed("get", "foo", "--user", "alice:wrong"));               // authentication failed
        s.add(authFailed("get", "foo", "--user", "nobody:pw"));                 // authentication failed
        s.add(Step.err("user", "list", "--user", "alice:apw"));               // permission denied
        s.add(Step.ok("user", "get", "alice", "--user", "alice:apw"));        // oneself
        s.add(Step.ok("role", "get", "r1", "--user", "alice:apw"));           // one's own role
        s.add(Step.err("role", "get", "root", "--user", "alice:apw"));        // permission denied
        s.add(Step.txn("""
                value("foo") = "bar"

                put foo baz

                put foo other

                """, "txn", "-i", "--user", "alice:apw"));
        s.add(new Step("""
                value("foo") = "baz"

                put foo ok
                put bar no

                get foo

                """, 1, List.of("txn", "-i", "--user", "alice:apw")));         // permission denied: bar
        s.add(Step.ok("get", "foo", "--user", "root:rootpw"));
        s.add(Step.ok("put", "bar", "x", "--user", "root:rootpw"));
        s.add(Step.ok("role", "revoke-permission", "r1", "foo", "--user", "root:rootpw"));
        s.add(Step.err("role", "revoke-permission", "r1", "foo", "--user", "root:rootpw")); // permission not granted
        s.add(Step.err("get", "foo", "--user", "alice:apw"));                 // permission denied now
        s.add(Step.ok("user", "revoke-role", "alice", "r1", "--user", "root:rootpw"));
        s.add(Step.err("user", "revoke-role", "alice", "r1", "--user", "root:rootpw")); // role is not granted
        s.add(Step.txn("newpw\n", "user", "passwd", "alice", "--interactive=false", "--user", "root:rootpw"));
        s.add(authFailed("get", "zeta", "--user", "alice:apw"));                // old password: authentication failed
        s.add(Step.err("get", "zeta", "--user", "alice:newpw"));              // permission denied (no role)
        s.add(Step.err("user", "delete", "root", "--user", "root:rootpw"));   // invalid auth management
        s.add(Step.err("role", "delete", "root", "--user", "root:rootpw"));   // invalid auth management
        s.add(Step.err("user", "revoke-role", "root", "root", "--user", "root:rootpw")); // invalid auth management
        s.add(Step.ok("user", "delete", "alice", "--user", "root:rootpw"));
        s.add(Step.err("user", "delete", "alice", "--user", "root:rootpw"));  // user name not found
        s.add(authFailed("get", "foo", "--user", "alice:newpw"));               // deleted user: authentication failed
        s.add(Step.ok("role", "delete", "r1", "--user", "root:rootpw"));
        s.add(Step.ok("role", "list", "--user", "root:rootpw"));
        s.add(Step.ok("user", "list", "--user", "root:rootpw"));
        s.add(Step.ok("auth", "disable", "--user", "root:rootpw"));
        s.add(Step.ok("get", "foo"));
        s.add(Step.ok("put", "foo", "after"));
        s.add(Step.ok("user", "delete", "root"));
        return s;
    }

    @Test
    void etcdctlAuthTranscriptIsTheSameAsWithEtcd() throws IOException {
        List<Etcdctl.Result> etcd = EtcdctlCompatibilityTest.assertSameAsEtcd("auth", script());
        assertTrue(etcd.get(0).stdout().contains("User root created"), "etcd: user add must print its line");
    }
}
