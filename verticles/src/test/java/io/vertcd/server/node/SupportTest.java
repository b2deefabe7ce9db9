package io.vertcd.server.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver's small helpers: request IDs, proposal deadlines, the identity file. */
class SupportTest {

    @Test
    void requestIdsCarryTheMemberPrefixAndNeverRepeat() {
        RequestIdGenerator g = new RequestIdGenerator(0x8e9e05c52164694dL, 1_700_000_000_000L);
        long a = g.next();
        long b = g.next();
        assertNotEquals(a, b);
        assertEquals(0x694dL, a >>> 48, "top 16 bits: low 16 bits of the member ID (etcd idutil)");
        assertEquals(a + 1, b);
    }

    @Test
    void proposalsExpireOldestFirstAndOnlyWhenDue() {
        PendingProposals p = new PendingProposals();
        p.add(1, null, 100);
        p.add(2, null, 200);
        List<Object> expired = new ArrayList<>();
        p.expire(150, expired::add);
        assertEquals(1, expired.size());
        assertTrue(p.contains(2));
        assertNull(p.remove(1));
        assertEquals(1, p.size());
    }

    @Test
    void identityFileRoundTrips(@TempDir Path dir) throws Exception {
        Path member = dir.resolve("member");
        assertNull(MemberIdentity.load(member));
        MemberIdentity id = new MemberIdentity(0x8e9e05c52164694dL, 0xcdf818194e3a8c32L);
        id.store(member);
        assertEquals(id, MemberIdentity.load(member));
        assertTrue(Files.exists(member.resolve(MemberIdentity.FILE_NAME)));
        assertTrue(Files.notExists(member.resolve(MemberIdentity.FILE_NAME + ".tmp")));
    }
}
