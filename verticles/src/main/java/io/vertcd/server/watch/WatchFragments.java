package io.vertcd.server.watch;

import io.etcd.jetcd.api.WatchResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a large watch response for a watcher created with {@code fragment = true}, as etcd's
 * {@code sendFragments} (api/v3rpc/watch.go): a response of at least {@code maxRequestBytes}
 * serialized bytes with two or more events becomes several responses with the same header and
 * watch_id, each holding as many events as fit below the limit (always at least one), all but the
 * last flagged {@code fragment}. The client (clientv3) joins them back into one.
 */
public final class WatchFragments {
    private WatchFragments() {
    }

    /**
     * @param response the whole response
     * @param maxRequestBytes the limit, bytes ({@code --max-request-bytes})
     * @return the response itself if it needs no split, else the fragments in order
     */
    public static List<WatchResponse> split(WatchResponse response, int maxRequestBytes) {
        if (response.getSerializedSize() < maxRequestBytes || response.getEventsCount() < 2) {
            return List.of(response);
        }
        WatchResponse empty = response.toBuilder().clearEvents().build();
        List<WatchResponse> out = new ArrayList<>();
        int i = 0;
        int n = response.getEventsCount();
        while (i < n) {
            WatchResponse.Builder cur = empty.toBuilder().addEvents(response.getEvents(i++));
            int size = cur.build().getSerializedSize() + 2; // + the fragment flag
            while (i < n) {
                // size of one more repeated field: tag + length prefix + body
                int evSize = response.getEvents(i).getSerializedSize();
                int add = 1 + com.google.protobuf.CodedOutputStream.computeUInt32SizeNoTag(evSize) + evSize;
                if (size + add >= maxRequestBytes) {
                    break;
                }
                cur.addEvents(response.getEvents(i++));
                size += add;
            }
            out.add(WatchFields.withFragment(cur.build(), i < n));
        }
        return out;
    }
}
