package io.vertcd.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Values pinned against real etcd 3.4.23 ({@code etcdctl member list -w json}). */
class MemberIdsTest {

    @Test
    void defaultMemberOfEtcd() {
        long member = MemberIds.memberId(List.of("http://localhost:2380"), "etcd-cluster");
        assertEquals(0x8e9e05c52164694dL, member);
        assertEquals(0xcdf818194e3a8c32L, MemberIds.clusterId(List.of(member)));
    }

    @Test
    void memberStartedOnLoopbackPorts() {
        // etcd --name default --initial-advertise-peer-urls http://127.0.0.1:23998
        //      --initial-cluster default=http://127.0.0.1:23998 (token etcd-cluster)
        long member = MemberIds.memberId(List.of("http://127.0.0.1:23998"), "etcd-cluster");
        assertEquals("11719934994822390420", Long.toUnsignedString(member));
        assertEquals("6328709751833505057", Long.toUnsignedString(MemberIds.clusterId(List.of(member))));
    }

    @Test
    void peerUrlOrderAndMemberOrderDoNotMatter() {
        assertEquals(MemberIds.memberId(List.of("http://b:2380", "http://a:2380"), "t"),
                MemberIds.memberId(List.of("http://a:2380", "http://b:2380"), "t"));
        assertEquals(MemberIds.clusterId(List.of(1L, -1L, 7L)), MemberIds.clusterId(List.of(7L, 1L, -1L)));
    }
}
