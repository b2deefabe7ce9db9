package io.vertcd.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertcd.statemachine.auth.AuthInfo;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** etcd's simple tokens on a test clock: form, TTL refreshed on use, expiry, invalidation. */
class SimpleTokensTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final SimpleTokens tokens = new SimpleTokens(300_000, now::get);

    @Test
    void aTokenLivesItsTtlAfterItsLastUse() {
        tokens.enable();
        String prefix = tokens.newPrefix();
        assertTrue(prefix.matches("[a-zA-Z]{16}"), prefix);
        String t = tokens.assign("alice", 5, prefix, 42);
        assertEquals(prefix + ".42", t);
        assertEquals(42, SimpleTokens.index(t));
        now.addAndGet(299_000);
        assertEquals(new AuthInfo("alice", 7), tokens.info(t, 7), "alive, with the store's current revision");
        now.addAndGet(299_000);
        assertEquals("alice", tokens.info(t, 7).username(), "the use before refreshed it");
        now.addAndGet(300_000);
        assertNull(tokens.info(t, 7), "300 s unused: expired");
        assertNull(tokens.info("nope.1", 7));
    }

    @Test
    void userChangesAndDisablingEndTokens() {
        tokens.enable();
        String a = tokens.assign("alice", 1, tokens.newPrefix(), 1);
        String b = tokens.assign("bob", 1, tokens.newPrefix(), 2);
        tokens.invalidateUser("alice");
        assertNull(tokens.info(a, 1));
        assertEquals("bob", tokens.info(b, 1).username());
        tokens.disable();
        assertNull(tokens.info(b, 1));
        assertEquals(0, tokens.size());
    }

    @Test
    void passwordsAreBcryptHashesThatCheck() {
        Passwords p = new Passwords(4);
        String h = p.hash("secret");
        assertTrue(h.startsWith("$2a$04$"), h);
        assertTrue(Passwords.check(h, "secret"));
        assertTrue(!Passwords.check(h, "Secret"));
        assertTrue(!Passwords.check("", "secret"), "a user without a password never matches");
        assertTrue(!Passwords.check("$2a$garbage", "secret"));
        assertEquals(Passwords.DEFAULT_COST, new Passwords(99).cost(), "an invalid cost falls back to 10, as etcd");
    }
}
