package io.vertcd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code etcdctl elect} (campaign) and {@code etcdctl elect -l} (observe) side by side with real
 * etcd 3.4, each run in the background and stopped with SIGINT as a user's Ctrl-C
 * ({@link Etcdctl#start}). etcdctl implements both with clientv3/concurrency (a session lease, a
 * txn that creates {@code <name>/<lease hex>}, watches on the keys created before it), so this
 * checks vertcd's KV, Watch and Lease services as an election client uses them.
 *
 * <p>The steps, each waited for through the printed output (no timing): an observer starts;
 * candidate A campaigns and prints its key and value, and so does the observer; candidate B
 * campaigns and waits (its key exists, it is not leader); A is interrupted: it resigns and exits
 * 0, B becomes leader and prints, the observer prints B; B is interrupted; the observer is
 * interrupted. Compared: each process's exit code, stdout and stderr, and the keys left.
 *
 * <p>Mask: the session lease IDs in the keys (server-chosen) become {@code <lease-N>} in order of
 * first appearance. Raw transcripts go to {@code target/e2e-logs/elect-<kind>.txt}.
 */
class EtcdctlElectTest {
    private static final Pattern LEADER_KEY = Pattern.compile("myelection/([0-9a-f]+)");
    /** Bound on each wait for output or exit, in seconds: a hang bound, not a speed check. */
    private static final long WAIT_SECONDS = 20;

    @Test
    void electAndObserveMatchEtcd() {
        MemberKind subject = Binaries.requireSubject();
        int clientPort = Ports.next();
        int peerPort = Ports.next();
        List<String> expected = run(MemberKind.ETCD, clientPort, peerPort);
        List<String> actual = run(subject, clientPort, peerPort);
        assertTrue(expected.get(expected.size() - 2).contains("p2"), "etcd: the observer saw B\n" + expected);
        assertEquals(String.join("\n---\n", expected), String.join("\n---\n", actual));
    }

    private static List<String> run(MemberKind kind, int clientPort, int peerPort) {
        List<String> transcript = new ArrayList<>();
        try (MemberProcess m = MemberProcess.create(kind, "elect", "elect-token", clientPort, peerPort).start();
                Etcdctl.Background observer = m.etcdctl().start("elect", "-l", "myelection");
                Etcdctl.Background a = m.etcdctl().start("elect", "myelection", "p1")) {
            Etcdctl ctl = m.etcdctl();
            assertTrue(a.awaitStdout(s -> s.contains("p1\n"), WAIT_SECONDS), kind + ": A was elected: " + a.stderr());
            assertTrue(observer.awaitStdout(s -> s.contains("p1\n"), WAIT_SECONDS),
                    kind + ": the observer saw A: " + observer.stderr());
            try (Etcdctl.Background b = ctl.start("elect", "myelection", "p2")) {
                assertTrue(awaitCandidates(ctl, 2), kind + ": B's key was created");
                assertEquals("", b.stdout(), kind + ": B is not leader while A is");
                a.interrupt();
                transcript.add("A " + a.awaitExit(WAIT_SECONDS));
                assertTrue(b.awaitStdout(s -> s.contains("p2\n"), WAIT_SECONDS), kind + ": B was elected: " + b.stderr());
                assertTrue(observer.awaitStdout(s -> s.contains("p2\n"), WAIT_SECONDS),
                        kind + ": the observer saw B: " + observer.stderr());
                b.interrupt();
                transcript.add("B " + b.awaitExit(WAIT_SECONDS));
            }
            assertTrue(awaitCandidates(ctl, 0), kind + ": B resigned");
            observer.interrupt();
            transcript.add("observer " + observer.awaitExit(WAIT_SECONDS));
            transcript.add("keys left " + ctl.run("get", "myelection", "--prefix"));
            m.stop();
        } finally {
            writeLog(kind, transcript);
        }
        return mask(transcript);
    }

    /** The raw transcript, to {@code target/e2e-logs/elect-<kind>.txt}. */
    private static void writeLog(MemberKind kind, List<String> transcript) {
        try {
            Path log = Path.of(System.getProperty("user.dir"), "target", "e2e-logs",
                    "elect-" + kind.name().toLowerCase() + ".txt");
            Files.createDirectories(log.getParent());
            Files.writeString(log, String.join("\n---\n", transcript), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Polls {@code get --prefix --keys-only} until {@code n} candidate keys exist (max WAIT_SECONDS). */
    private static boolean awaitCandidates(Etcdctl ctl, int n) {
        long deadline = System.nanoTime() + WAIT_SECONDS * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            Etcdctl.Result r = ctl.run("get", "myelection/", "--prefix", "--keys-only");
            if (r.ok() && r.stdout().lines().filter(l -> !l.isBlank()).count() == n) {
                return true;
            }
            MemberProcess.sleep(50);
        }
        return false;
    }

    private static List<String> mask(List<String> transcript) {
        Map<String, String> ids = new LinkedHashMap<>();
        List<String> out = new ArrayList<>();
        for (String s : transcript) {
            Matcher k = LEADER_KEY.matcher(s);
            out.add(k.replaceAll(r -> "myelection/" + ids.computeIfAbsent(r.group(1), x -> "<lease-" + ids.size() + ">")));
        }
        return out;
    }
}
