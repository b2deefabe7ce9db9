package io.vertcd.server.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WatchFragmentsTest {
    private static WatchResponse withEvents(int n, int valueBytes) {
        WatchResponse.Builder b = WatchResponse.newBuilder().setWatchId(3)
                .setHeader(ResponseHeader.newBuilder().setRevision(7));
        for (int i = 0; i < n; i++) {
            b.addEvents(Event.newBuilder().setKv(KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("k" + i))
                    .setValue(ByteString.copyFrom(new byte[valueBytes])).setModRevision(7)));
        }
        return b.build();
    }

    @Test
    void smallOrSingleEventResponsesAreNotSplit() {
        WatchResponse small = withEvents(3, 10);
        assertEquals(List.of(small), WatchFragments.split(small, 4096));
        WatchResponse single = withEvents(1, 10_000);
        assertEquals(List.of(single), WatchFragments.split(single, 4096));
    }

    @Test
    void splitsBelowTheLimitAndFlagsAllButTheLast() {
        WatchResponse big = withEvents(10, 1000);
        List<WatchResponse> parts = WatchFragments.split(big, 4096);
        assertTrue(parts.size() > 1);
        List<Event> joined = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            WatchResponse p = parts.get(i);
            assertTrue(p.getSerializedSize() < 4096, "fragment " + i + " is " + p.getSerializedSize() + " bytes");
            assertEquals(i < parts.size() - 1, WatchFields.fragment(p));
            assertEquals(3, p.getWatchId());
            assertEquals(7, p.getHeader().getRevision());
            joined.addAll(p.getEventsList());
        }
        assertEquals(big.getEventsList(), joined);
    }

    @Test
    void etcdFieldsTravelAsUnknownFields() throws Exception {
        WatchCreateRequest req = WatchFields.withIdAndFragment(WatchCreateRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("a")).build(), 12, true);
        // the same bytes parsed by the full etcd message (vertcd's watch_json.proto)
        io.vertcd.server.watch.pb.WatchCreateRequest full =
                io.vertcd.server.watch.pb.WatchCreateRequest.parseFrom(req.toByteString());
        assertEquals(12, full.getWatchId());
        assertTrue(full.getFragment());
        WatchCreateRequest back = WatchCreateRequest.parseFrom(full.toByteString());
        assertEquals(12, WatchFields.watchId(back));
        assertTrue(WatchFields.fragment(back));
        assertFalse(WatchFields.fragment(WatchResponse.getDefaultInstance()));
        assertTrue(io.vertcd.server.watch.pb.WatchResponse.parseFrom(
                WatchFields.withFragment(WatchResponse.getDefaultInstance(), true).toByteString()).getFragment());
    }
}
