package io.vertcd.tests.cluster;

import static io.vertcd.tests.Jetcd.await;
import static io.vertcd.tests.Jetcd.bs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.vertcd.tests.Binaries;
import io.vertcd.tests.MemberKind;
import io.vertcd.tests.Poll;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A watch stream open on a follower survives that follower installing the leader's store snapshot:
 * the follower is cut off while the leader writes past its compacted log, then healed; the stream
 * must deliver every event, in order, with no gap (etcd watchableStore.Restore moves the watchers
 * to unsynced, which catch up from the new store).
 */
class FollowerSnapshotWatchTest {
    private static final int WRITES = 200;

    @Test
    void aWatchOnAFollowerKeepsDeliveringAcrossASnapshotInstall() throws Exception {
        Binaries.require(MemberKind.VERTCD);
        try (ClusterProcess c = ClusterProcess.start(MemberKind.VERTCD, 3, "snap-watch",
                "--snapshot-count", "40", "--experimental-snapshot-catchup-entries", "5")) {
            int leader = c.awaitLeader(Duration.ofSeconds(10));
            int follower = (leader + 1) % 3;
            List<WatchEvent> events = new ArrayList<>();
            AtomicReference<Throwable> failed = new AtomicReference<>();
            try (Client onFollower = Client.builder().endpoints(c.members().get(follower).clientUrl()).build();
                 Client onLeader = Client.builder().endpoints(c.members().get(leader).clientUrl()).build();
                 Watch.Watcher w = onFollower.getWatchClient().watch(bs("w/"),
                         // from the next revision on: the watch may be created after the first put lands
                         WatchOption.builder().isPrefix(true).withRevision(
                                 await(onLeader.getKVClient().get(bs("w/"))).getHeader().getRevision() + 1).build(),
                         r -> {
                             synchronized (events) {
                                 events.addAll(r.getEvents());
                             }
                         }, failed::set)) {
                await(onLeader.getKVClient().put(bs("w/000"), bs("before")));
                awaitEvents(events, 1);
                c.isolate(follower);
                long first = 0;
                for (int i = 1; i <= WRITES; i++) {
                    long rev = await(onLeader.getKVClient().put(bs(String.format("w/%03d", i)), bs("v" + i)))
                            .getHeader().getRevision();
                    first = first == 0 ? rev : first;
                }
                c.heal();
                awaitEvents(events, WRITES + 1);
                assertNull(failed.get(), "the watch stream stays open");
                synchronized (events) {
                    assertEquals(WRITES + 1, events.size(), "no event twice");
                    for (int i = 1; i <= WRITES; i++) {
                        WatchEvent e = events.get(i);
                        assertEquals(String.format("w/%03d", i), e.getKeyValue().getKey().toString(java.nio.charset.StandardCharsets.UTF_8));
                        assertEquals(first + i - 1, e.getKeyValue().getModRevision(), "in order, no gap");
                    }
                }
            }
            String log = Files.readString(c.members().get(follower).logFile());
            assertTrue(log.contains("installed a key-value store snapshot"),
                    "the follower caught up from a snapshot, not from the log");
        }
    }

    private static void awaitEvents(List<WatchEvent> events, int n) throws Exception {
        int seen = Poll.until(Duration.ofSeconds(30), () -> {
            synchronized (events) {
                return events.size();
            }
        }, size -> size >= n);
        assertEquals(n, seen, "events delivered within 30 s");
    }
}
