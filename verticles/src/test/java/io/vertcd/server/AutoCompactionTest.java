package io.vertcd.server;

import static io.vertcd.server.InProcessCluster.await;
import static io.vertcd.server.InProcessCluster.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.api.HashKVRequest;
import io.etcd.jetcd.api.HashKVResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --auto-compaction-mode periodic with a short retention on three in-process members (ports 28700-28705). */
class AutoCompactionTest {
    private static final int SIZE = 3;

    @TempDir
    Path dir;

    private InProcessCluster c;

    @AfterEach
    void tearDown() throws Exception {
        c.close();
        assertEquals(Map.of(), c.fatal);
    }

    private long compactRevision(int member) {
        try {
            TestGrpcClient.Result<HashKVResponse> r = c.client(member).call("Maintenance", "HashKV",
                    HashKVRequest.getDefaultInstance(), HashKVResponse.getDefaultInstance());
            return r.status() == GrpcStatus.OK ? r.response().getCompactRevision() : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void theLeaderCompactsHistoryOlderThanTheRetentionThroughRaft() throws Exception {
        c = new InProcessCluster(dir, 28700, SIZE, SIZE, "auto-compaction");
        c.extraFlags = new String[] {"--auto-compaction-retention", "2s"};
        for (int i = 0; i < SIZE; i++) {
            c.start(i);
        }
        c.awaitAgreedLeader();
        long first = c.put(0, "k", "v0").getHeader().getRevision();
        int[] n = {1};
        await("every member applied an automatic compaction past the first write", () -> {
            try {
                c.put(n[0] % SIZE, "k", "v" + n[0]++); // keep the revision moving
            } catch (Exception e) {
                return false;
            }
            for (int i = 0; i < SIZE; i++) {
                if (compactRevision(i) <= first) {
                    return false;
                }
            }
            return true;
        });
        long current = c.put(0, "k", "last").getHeader().getRevision();
        for (int i = 0; i < SIZE; i++) {
            long compacted = compactRevision(i);
            assertTrue(compacted > first && compacted < current, "member " + i + " compacted at " + compacted);
            TestGrpcClient.Result<RangeResponse> old = c.client(i).call("KV", "Range",
                    RangeRequest.newBuilder().setKey(b("k")).setRevision(first).setSerializable(true).build(),
                    RangeResponse.getDefaultInstance());
            assertEquals("etcdserver: mvcc: required revision has been compacted", old.message(), "member " + i);
        }
    }
}
