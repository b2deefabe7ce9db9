package io.vertcd.server.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.ByteString;
import io.vertcd.raft.ReadState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadIndexBatcherTest {

    @Test
    void readsArrivingDuringARoundShareTheNextRound() {
        ReadIndexBatcher<String> b = new ReadIndexBatcher<>(5);
        ByteString first = b.add("a", 0);
        assertNotNull(first);
        assertNull(b.add("b", 0), "one ReadIndex outstanding at a time");
        assertNull(b.add("c", 0));
        assertEquals(3, b.size());

        ByteString second = b.onReadState(new ReadState(10, first), 1);
        assertNotNull(second, "the queued reads go out as the next round");
        assertNotEquals(first, second);

        List<String> served = new ArrayList<>();
        b.drainApplied(9, served::add);
        assertEquals(List.of(), served, "not before the applied index reaches the read index");
        b.drainApplied(10, served::add);
        assertEquals(List.of("a"), served);

        assertNull(b.onReadState(new ReadState(12, first), 2), "a stale answer is ignored");
        assertNull(b.onReadState(new ReadState(12, second), 2));
        b.drainApplied(20, served::add);
        assertEquals(List.of("a", "b", "c"), served);
        assertEquals(0, b.size());
    }

    @Test
    void unansweredRoundIsAskedAgainAfterTheRetryTicks() {
        ReadIndexBatcher<String> b = new ReadIndexBatcher<>(5);
        ByteString ctx = b.add("a", 100);
        assertNull(b.retry(104));
        assertEquals(ctx, b.retry(105));
        assertNull(b.retry(106), "the retry clock restarts");
    }

    @Test
    void aNewLeaderGetsTheOutstandingRoundAtOnceAndContextsStartWhereTold() {
        ReadIndexBatcher<String> b = new ReadIndexBatcher<>(5, 1000);
        assertNull(b.retryNow(0), "nothing outstanding");
        ByteString ctx = b.add("a", 10);
        assertEquals(1000, ctx.asReadOnlyByteBuffer().getLong());
        assertEquals(ctx, b.retryNow(11));
        assertNull(b.retry(15), "retryNow restarted the retry clock");
        assertEquals(ctx, b.retry(16));
    }

    @Test
    void removeIfTakesReadsFromEveryStage() {
        ReadIndexBatcher<String> b = new ReadIndexBatcher<>(5);
        ByteString ctx = b.add("x1", 0);
        b.add("keep", 0);
        b.onReadState(new ReadState(3, ctx), 0);
        b.add("x2", 0);
        List<String> removed = new ArrayList<>();
        b.removeIf(s -> s.startsWith("x"), removed::add);
        assertEquals(List.of("x2", "x1"), removed.stream().sorted((p, q) -> q.compareTo(p)).toList());
        assertEquals(1, b.size());
    }
}
