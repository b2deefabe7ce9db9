package io.vertcd.server.watch;

import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import java.util.List;

/**
 * The etcd 3.5 watch fields jetcd's generated classes (0.8.7) lack, read and written as protobuf
 * unknown fields with etcd's field numbers (api/etcdserverpb/rpc.proto), so the bytes on the wire
 * are etcd's: WatchCreateRequest.watch_id (7, int64) and fragment (8, bool), WatchResponse.fragment
 * (7, bool).
 */
public final class WatchFields {
    /** etcd field number of WatchCreateRequest.watch_id. */
    public static final int CREATE_WATCH_ID = 7;
    /** etcd field number of WatchCreateRequest.fragment. */
    public static final int CREATE_FRAGMENT = 8;
    /** etcd field number of WatchResponse.fragment. */
    public static final int RESPONSE_FRAGMENT = 7;

    private WatchFields() {
    }

    /** @return the client-chosen watch_id of a create request, 0 (server chooses) if absent */
    public static long watchId(WatchCreateRequest req) {
        return lastVarint(req.getUnknownFields(), CREATE_WATCH_ID);
    }

    /** @return the fragment flag of a create request */
    public static boolean fragment(WatchCreateRequest req) {
        return lastVarint(req.getUnknownFields(), CREATE_FRAGMENT) != 0;
    }

    /** @return the fragment flag of a response */
    public static boolean fragment(WatchResponse r) {
        return lastVarint(r.getUnknownFields(), RESPONSE_FRAGMENT) != 0;
    }

    /** @return {@code r} with fragment set to {@code value} */
    public static WatchResponse withFragment(WatchResponse r, boolean value) {
        UnknownFieldSet.Builder u = UnknownFieldSet.newBuilder(r.getUnknownFields()).clearField(RESPONSE_FRAGMENT);
        if (value) {
            u.addField(RESPONSE_FRAGMENT, UnknownFieldSet.Field.newBuilder().addVarint(1).build());
        }
        return r.toBuilder().setUnknownFields(u.build()).build();
    }

    /** @return a create request with watch_id and fragment set (tests and clients) */
    public static WatchCreateRequest withIdAndFragment(WatchCreateRequest req, long watchId, boolean fragment) {
        UnknownFieldSet.Builder u = UnknownFieldSet.newBuilder(req.getUnknownFields())
                .clearField(CREATE_WATCH_ID).clearField(CREATE_FRAGMENT);
        if (watchId != 0) {
            u.addField(CREATE_WATCH_ID, UnknownFieldSet.Field.newBuilder().addVarint(watchId).build());
        }
        if (fragment) {
            u.addField(CREATE_FRAGMENT, UnknownFieldSet.Field.newBuilder().addVarint(1).build());
        }
        return req.toBuilder().setUnknownFields(u.build()).build();
    }

    private static long lastVarint(UnknownFieldSet fields, int number) {
        if (!fields.hasField(number)) {
            return 0;
        }
        List<Long> v = fields.getField(number).getVarintList();
        return v.isEmpty() ? 0 : v.get(v.size() - 1); // proto3: the last value wins
    }
}
