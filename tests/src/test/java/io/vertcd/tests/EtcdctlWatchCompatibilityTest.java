package io.vertcd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code etcdctl watch} against real etcd 3.4 and against vertcd, compared after
 * {@link OutputMask}: history from {@code --rev} with {@code --prev-kv} (simple and JSON output),
 * a live prefix watch while another etcdctl puts and deletes, a watch from below the compacted
 * revision (etcdctl reports the cancel and exits) and from exactly the compacted revision (etcd
 * accepts it and replays the puts stored at it; the tombstones there are gone). Same name, token and ports for both members,
 * so member and cluster IDs in JSON headers match. Transcripts go to
 * {@code target/e2e-logs/watch-compat-<kind>.txt}.
 */
class EtcdctlWatchCompatibilityTest {

    @Test
    void etcdctlWatchOutputIsTheSameAsWithEtcd() throws IOException {
        Binaries.requireEtcd();
        MemberKind subject = Binaries.requireSubject();
        int clientPort = Ports.next();
        int peerPort = Ports.next();
        Map<String, String> expected = run(MemberKind.ETCD, clientPort, peerPort);
        assertTrue(expected.get("history").contains("PUT"), "etcd: the history watch printed events\n" + expected);
        Map<String, String> actual = run(subject, clientPort, peerPort);
        StringBuilder diffs = new StringBuilder();
        for (String step : expected.keySet()) {
            List<String> args = List.of("watch"); // OutputMask has no watch-specific rule
            String e = OutputMask.apply(args, expected.get(step));
            String a = OutputMask.apply(args, actual.get(step));
            if (!e.equals(a)) {
                diffs.append("\n=== ").append(step).append("\netcd:\n").append(e).append("\n").append(subject)
                        .append(":\n").append(a).append('\n');
            }
        }
        if (diffs.length() > 0) {
            fail("etcdctl watch differs from etcd:" + diffs);
        }
    }

    private static Map<String, String> run(MemberKind kind, int clientPort, int peerPort) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (MemberProcess m = MemberProcess.create(kind, "wcompat", "wcompat-token", clientPort, peerPort).start()) {
            Etcdctl ctl = m.etcdctl();
            List<String[]> writes = List.of(
                    new String[] {"put", "foo", "bar"},   // rev 2
                    new String[] {"put", "foo", "baz"},   // rev 3
                    new String[] {"del", "foo"},          // rev 4
                    new String[] {"put", "fop", "x"});    // rev 5
            for (String[] w : writes) {
                assertEquals(0, ctl.run(w).exitCode());
            }
            out.put("history", watch(m, 3, "watch", "foo", "--rev=2", "--prev-kv"));
            out.put("history-json", watch(m, 4, "watch", "fo", "--prefix", "--rev=1", "--prev-kv", "-w", "json"));
            try (WatchingEtcdctl live = WatchingEtcdctl.start(m.clientUrl(), "watch", "live", "--prefix",
                    "--rev=6", "--prev-kv")) {
                assertEquals(0, ctl.run("put", "live1", "a").exitCode());       // rev 6
                assertEquals(0, ctl.run("put", "live2", "b").exitCode());       // rev 7
                assertEquals(0, ctl.run("put", "live1", "c").exitCode());       // rev 8
                assertEquals(0, ctl.run("del", "live", "--prefix").exitCode()); // rev 9: two events
                assertEquals(0, ctl.run("put", "other", "not watched").exitCode());
                out.put("live", live.awaitEventsAndStop(5));
                out.put("live-stderr", live.stderr());
            }
            assertEquals(0, ctl.run("compaction", "4").exitCode());
            Etcdctl.Result compacted = ctl.run("watch", "foo", "--rev=2");
            out.put("compacted", "exit " + compacted.exitCode() + "\nstdout:\n" + compacted.stdout()
                    + "\nstderr:\n" + compacted.stderr());
            out.put("after-compaction", watch(m, 1, "watch", "fop", "--rev=5"));
            // from exactly the compacted revision: accepted (etcd cancels only rev < compacted); revision
            // 4's only change, the tombstone of foo, went with the compaction, so the first event is fop@5
            out.put("at-compacted-tombstone", watch(m, 1, "watch", "fo", "--prefix", "--rev=4", "--prev-kv"));
            assertEquals(0, ctl.run("compaction", "5").exitCode());
            // revision 5's put of fop is still stored after compacting at 5
            out.put("at-compacted-put", watch(m, 1, "watch", "fop", "--rev=5", "-w", "json"));
            m.stop();
        } finally {
            Path log = Path.of(System.getProperty("user.dir"), "target", "e2e-logs",
                    "watch-compat-" + kind.name().toLowerCase() + ".txt");
            Files.createDirectories(log.getParent());
            StringBuilder t = new StringBuilder();
            out.forEach((k, v) -> t.append("=== ").append(k).append('\n').append(v).append('\n'));
            Files.writeString(log, t, StandardCharsets.UTF_8);
        }
        return out;
    }

    private static String watch(MemberProcess m, int events, String... args) {
        try (WatchingEtcdctl w = WatchingEtcdctl.start(m.clientUrl(), args)) {
            String s = w.awaitEventsAndStop(events);
            return s + (w.stderr().isEmpty() ? "" : "\nstderr:\n" + w.stderr());
        }
    }
}
