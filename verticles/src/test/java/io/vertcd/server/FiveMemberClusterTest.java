package io.vertcd.server;

import static io.vertcd.server.InProcessCluster.await;
import static io.vertcd.server.InProcessCluster.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.vertcd.statemachine.EtcdError;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Five real members in one JVM on loopback ports 28300-28309: two may fail, a third may not. */
class FiveMemberClusterTest {
    @TempDir
    Path dir;

    private InProcessCluster c;

    @AfterEach
    void tearDown() throws Exception {
        c.close();
        assertEquals(Map.of(), c.fatal);
    }

    @Test
    void survivesTwoFailuresAndStopsCommittingWithoutAQuorum() throws Exception {
        c = new InProcessCluster(dir, 28300, 5, 5, "five-in-process");
        // short request timeout: --election-timeout 500 ms gives 5 s + 2 x 0.5 s
        c.extraFlags = new String[] {"--heartbeat-interval", "50", "--election-timeout", "500"};
        for (int i = 0; i < 5; i++) {
            c.start(i);
        }
        int leader = c.awaitAgreedLeader();
        c.put(leader, "k", "1");

        // the leader and one follower go: the other three elect a leader and commit
        int follower = (leader + 1) % 5;
        c.stop(leader);
        c.stop(follower);
        int newLeader = c.awaitAgreedLeader();
        assertNotEquals(leader, newLeader);
        int writer = -1;
        for (int i = 0; i < 5; i++) {
            if (c.server(i) != null && i != newLeader) {
                writer = i; // a follower: the write is forwarded
            }
        }
        c.put(writer, "k", "2");
        for (int i = 0; i < 5; i++) {
            if (i != leader && i != follower) {
                assertEquals("2", value(c.get(i, "k", false)), "member " + i);
            }
        }

        // a third failure leaves two of five: no quorum, a write is not acknowledged
        int third = newLeader;
        c.stop(third);
        int survivor = -1;
        for (int i = 0; i < 5; i++) {
            if (c.server(i) != null) {
                survivor = i;
            }
        }
        TestGrpcClient.Result<PutResponse> r = c.client(survivor).call("KV", "Put",
                PutRequest.newBuilder().setKey(InProcessCluster.b("k")).setValue(InProcessCluster.b("3")).build(),
                PutResponse.getDefaultInstance());
        assertEquals(EtcdError.TIMEOUT.message(), r.message());

        // one member back: quorum again, and the write that timed out may or may not have committed,
        // but a new write does
        c.start(third);
        c.awaitAgreedLeader();
        int s = survivor;
        await("writes commit again with three of five", () -> {
            try {
                c.put(s, "k", "4");
                return true;
            } catch (Throwable e) {
                return false;
            }
        });
        assertEquals("4", value(c.get(third, "k", false)));
    }
}
