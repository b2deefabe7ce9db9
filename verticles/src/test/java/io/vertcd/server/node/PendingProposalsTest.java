package io.vertcd.server.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertcd.statemachine.ApplyResult;
import io.vertcd.statemachine.EtcdError;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PendingProposalsTest {
    @Test
    void removeIfFailsOnlyTheMatchingProposals() {
        Vertx vertx = Vertx.vertx();
        try {
            PendingProposals p = new PendingProposals();
            List<Reply<ApplyResult>> replies = new ArrayList<>();
            for (long id = 1; id <= 4; id++) {
                Reply<ApplyResult> r = Reply.forCurrentContext(vertx);
                replies.add(r);
                p.add(id, r, 1000);
            }
            int n = p.removeIf(id -> id % 2 == 0, r -> r.fail(EtcdError.LEADER_CHANGED.exception()));
            assertEquals(2, n);
            assertTrue(p.contains(1) && p.contains(3));
            assertFalse(p.contains(2) || p.contains(4));
            assertTrue(replies.get(1).isDone() && replies.get(3).isDone());
            assertFalse(replies.get(0).isDone());
        } finally {
            vertx.close();
        }
    }
}
