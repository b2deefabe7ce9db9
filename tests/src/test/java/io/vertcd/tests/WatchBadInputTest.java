package io.vertcd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad or heavy watch input against a member process: cancelling an unknown watch ID, a duplicate
 * client-chosen watch ID, and 100,000 watchers on one key. The member must answer as etcd does and
 * keep serving.
 */
class WatchBadInputTest {
    private static MemberProcess member;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() {
        member = MemberProcess.create(Binaries.requireSubject(), "wbad").start();
        channel = NettyChannelBuilder.forTarget(member.clientUrl().replace("http://", "")).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        if (member != null) {
            member.close();
        }
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    /** WatchCreateRequest.watch_id is field 7 in etcd 3.4+ (jetcd's messages do not have it). */
    private static WatchCreateRequest withWatchId(WatchCreateRequest r, long id) {
        return r.toBuilder().setUnknownFields(UnknownFieldSet.newBuilder()
                .addField(7, UnknownFieldSet.Field.newBuilder().addVarint(id).build()).build()).build();
    }

    @Test
    void unknownCancelSendsNothingAndDuplicateIdIsRefused() throws Exception {
        try (RawWatch w = new RawWatch(channel)) {
            w.create(withWatchId(WatchCreateRequest.newBuilder().setKey(b("bad")).build(), 5));
            WatchResponse created = w.next();
            assertTrue(created.getCreated());
            assertEquals(5, created.getWatchId());
            w.cancel(12345);
            w.create(withWatchId(WatchCreateRequest.newBuilder().setKey(b("bad2")).build(), 5));
            WatchResponse dup = w.next(); // nothing came for the unknown cancel
            assertEquals(-1, dup.getWatchId());
            assertTrue(dup.getCreated());
            assertTrue(dup.getCanceled());
            assertEquals("mvcc: duplicate watch ID provided on the WatchStream", dup.getCancelReason());
            long rev = KVGrpc.newBlockingStub(channel).put(PutRequest.newBuilder().setKey(b("bad")).setValue(b("1")).build())
                    .getHeader().getRevision();
            WatchResponse ev = w.next();
            assertEquals(5, ev.getWatchId(), "the first watcher with ID 5 still works");
            assertEquals(rev, ev.getEvents(0).getKv().getModRevision());
        }
    }

    @Test
    void hundredThousandWatchersOnOneKey() throws Exception {
        int streams = 10;
        int perStream = 10_000;
        List<RawWatch> watches = new ArrayList<>();
        try {
            for (int s = 0; s < streams; s++) {
                RawWatch w = new RawWatch(channel);
                watches.add(w);
                for (int i = 0; i < perStream; i++) {
                    w.create(WatchCreateRequest.newBuilder().setKey(b("hot")).build());
                }
            }
            for (RawWatch w : watches) {
                for (int i = 0; i < perStream; i++) {
                    assertTrue(w.next().getCreated());
                }
            }
            KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            long rev = kv.put(PutRequest.newBuilder().setKey(b("hot")).setValue(b("v")).build()).getHeader().getRevision();
            // the member keeps serving other requests while it delivers 100,000 events
            assertEquals(1, KVGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .range(RangeRequest.newBuilder().setKey(b("hot")).build()).getCount());
            for (RawWatch w : watches) {
                boolean[] seen = new boolean[perStream];
                for (int i = 0; i < perStream; i++) {
                    WatchResponse r = w.next();
                    assertEquals(rev, r.getEvents(0).getKv().getModRevision());
                    assertFalse(seen[(int) r.getWatchId()], "one event per watcher");
                    seen[(int) r.getWatchId()] = true;
                }
            }
        } finally {
            watches.forEach(RawWatch::disconnect);
        }
        assertTrue(member.isAlive());
        KVGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .put(PutRequest.newBuilder().setKey(b("after")).setValue(b("ok")).build());
    }
}
