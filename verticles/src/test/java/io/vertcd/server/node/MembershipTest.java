package io.vertcd.server.node;

import io.vertcd.server.cli.ClusterMember;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.api.Member;
import io.vertcd.raft.pb.ConfChange;
import io.vertcd.raft.pb.ConfChangeType;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MembershipTest {
    @TempDir
    Path dir;

    private static ConfChange cc(ConfChangeType type, Member m) {
        return ConfChange.newBuilder().setType(type).setNodeId(m.getID()).setContext(m.toByteString()).build();
    }

    private static Membership founders() {
        return Membership.initial(List.of(
                new ClusterMember("a", 1, List.of(URI.create("http://a:2380"))),
                new ClusterMember("b", -2, List.of(URI.create("http://b:2380")))));
    }

    @Test
    void confChangesApplyInLogOrderAndOnlyOnce() throws Exception {
        Membership m = founders();
        assertEquals(List.of(1L, -2L), m.members().stream().map(Member::getID).toList(), "unsigned ID order");
        // bootstrap entries carry no context: they change nothing
        assertFalse(m.apply(ConfChange.newBuilder().setType(ConfChangeType.CONF_CHANGE_ADD_NODE).setNodeId(1).build(), 1));

        Member c = Member.newBuilder().setID(7).addPeerURLs("http://c:2380").build();
        assertTrue(m.apply(cc(ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE, c), 10));
        assertEquals(List.of(7L), m.learners());
        assertFalse(m.apply(cc(ConfChangeType.CONF_CHANGE_REMOVE_NODE, c), 10), "an index already applied is skipped");
        assertTrue(m.apply(cc(ConfChangeType.CONF_CHANGE_ADD_NODE, c), 11));
        assertFalse(m.get(7).getIsLearner(), "ADD_NODE of a learner promotes it");
        assertEquals(c.getID(), m.peerUrlOwner(List.of("http://c:2380"), 0).getID());
        assertTrue(m.apply(cc(ConfChangeType.CONF_CHANGE_REMOVE_NODE, c), 12));
        assertNull(m.get(7));
        assertTrue(m.isRemoved(7));
        assertEquals(12, m.index());
    }

    @Test
    void fileRoundTripAndCorruptionIsRefused() throws Exception {
        Membership m = founders();
        m.apply(cc(ConfChangeType.CONF_CHANGE_REMOVE_NODE, m.get(1)), 5);
        assertTrue(m.apply(cc(ConfChangeType.CONF_CHANGE_UPDATE_NODE,
                Member.newBuilder().setID(-2).setName("b").addClientURLs("http://b:2379").build()), 6));
        assertEquals(List.of("http://b:2380"), m.get(-2).getPeerURLsList(), "published attributes keep the peer URLs");
        assertEquals(List.of("http://b:2379"), m.get(-2).getClientURLsList());
        Path f = dir.resolve(Membership.FILE_NAME);
        m.write(f);
        Membership back = Membership.read(f);
        assertEquals(m.members(), back.members());
        assertEquals(6, back.index());
        assertTrue(back.isRemoved(1));
        assertNull(Membership.read(dir.resolve("absent")));

        byte[] bytes = Files.readAllBytes(f);
        bytes[10] ^= 1;
        Files.write(f, bytes);
        assertThrows(IOException.class, () -> Membership.read(f));
    }
}
