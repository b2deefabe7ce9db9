package io.vertcd.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class AuthorityNormalizerTest {
    @Test
    void stripsSchemeAndPathThatGrpcGoPassthroughSends() {
        assertEquals("127.0.0.1:2379", AuthorityNormalizer.normalize("http://127.0.0.1:2379").toString());
        assertEquals("[::1]:2379", AuthorityNormalizer.normalize("https://[::1]:2379/x").toString());
    }

    @Test
    void leavesWellFormedAuthorityAlone() {
        String plain = "127.0.0.1:2379";
        assertSame(plain, AuthorityNormalizer.normalize(plain));
        assertNull(AuthorityNormalizer.normalize(null));
    }
}
