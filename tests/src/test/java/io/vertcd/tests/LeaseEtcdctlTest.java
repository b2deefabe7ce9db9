package io.vertcd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * etcdctl 3.4's lease commands and {@code lock} against real etcd 3.4 and against vertcd, compared
 * on exit code, stdout and stderr.
 *
 * <p>Masks, beyond {@link OutputMask}: lease IDs are chosen by the server (etcd: from its request
 * ID generator; vertcd: from the Raft index), so every ID a {@code lease grant} prints is replaced,
 * wherever it appears later, by {@code <lease-N>} (N = order of the grants); and the
 * {@code remaining(Ns)} of timetolive by {@code remaining(?s)} (and {@code "ttl"} in JSON), since
 * a second may tick between grant and query on either server; and the attached keys are sorted,
 * because etcd prints them in Go map order, which is random.
 */
class LeaseEtcdctlTest {
    private static final Pattern GRANTED = Pattern.compile("lease ([0-9a-f]+) granted with TTL");
    private static final Pattern REMAINING = Pattern.compile("remaining\\(\\d+s\\)");
    private static final Pattern JSON_TTL = Pattern.compile("\"ttl\":\\d+");
    private static final Pattern KEYS_SIMPLE = Pattern.compile("attached keys\\(\\[([^\\]]*)\\]\\)");
    private static final Pattern KEYS_JSON = Pattern.compile("\"keys\":\\[([^\\]]*)\\]");

    /** The transcript of one run: each command (after masking) and what it printed. */
    private static List<String> run(MemberKind kind, int clientPort, int peerPort) throws Exception {
        List<String> out = new ArrayList<>();
        Map<String, String> ids = new LinkedHashMap<>();
        try (MemberProcess m = MemberProcess.create(kind, "lease", "lease-token", clientPort, peerPort).start()) {
            Etcdctl ctl = m.etcdctl();
            String id = grant(ctl, out, ids, "60");
            step(ctl, out, ids, "put", "k1", "v1", "--lease=" + id);
            step(ctl, out, ids, "put", "k2", "v2", "--lease=" + id);
            step(ctl, out, ids, "lease", "timetolive", id);
            step(ctl, out, ids, "lease", "timetolive", id, "--keys");
            step(ctl, out, ids, "lease", "timetolive", id, "--keys", "-w", "json");
            step(ctl, out, ids, "lease", "list");
            step(ctl, out, ids, "lease", "keep-alive", "--once", id);
            step(ctl, out, ids, "put", "k2", "v3"); // detaches k2
            step(ctl, out, ids, "lease", "timetolive", id, "--keys");
            step(ctl, out, ids, "lease", "revoke", id);
            step(ctl, out, ids, "get", "k", "--prefix");
            step(ctl, out, ids, "lease", "timetolive", id);
            step(ctl, out, ids, "lease", "keep-alive", "--once", id); // revoked: TTL 0
            step(ctl, out, ids, "lease", "revoke", id);                // lease not found
            String negative = grant(ctl, out, ids, "-5");              // raised to the minimum TTL
            step(ctl, out, ids, "lease", "revoke", negative);
            step(ctl, out, ids, "lease", "grant", "9000000001");       // too large lease TTL
            step(ctl, out, ids, "lock", "mylock", "echo", "locked");
            // a key expiring with its lease: polled, then compared
            String shortLease = grant(ctl, out, ids, "2");
            step(ctl, out, ids, "put", "ephemeral", "x", "--lease=" + shortLease);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20); // a hang bound, not a speed check
            while (ctl.run("get", "ephemeral", "--print-value-only").stdout().contains("x")
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            step(ctl, out, ids, "get", "ephemeral");
            step(ctl, out, ids, "lease", "timetolive", shortLease);
            m.stop();
        }
        return out;
    }

    private static String grant(Etcdctl ctl, List<String> out, Map<String, String> ids, String ttl) {
        Etcdctl.Result r = ctl.run("lease", "grant", "--", ttl); // "--": a negative TTL is not a flag
        Matcher g = GRANTED.matcher(r.stdout());
        assertTrue(g.find(), "lease grant " + ttl + ": " + r);
        ids.put(g.group(1), "<lease-" + ids.size() + ">");
        out.add(mask("lease grant " + ttl + "\n" + r, ids));
        return g.group(1);
    }

    private static void step(Etcdctl ctl, List<String> out, Map<String, String> ids, String... args) {
        Etcdctl.Result r = ctl.run(args);
        out.add(mask(String.join(" ", args) + "\n" + OutputMask.apply(List.of(args), r.toString()), ids));
    }

    private static String mask(String s, Map<String, String> ids) {
        for (var e : ids.entrySet()) {
            s = s.replace(e.getKey(), e.getValue());
            // JSON output prints IDs in decimal
            s = s.replace(Long.toUnsignedString(Long.parseUnsignedLong(e.getKey(), 16)), e.getValue());
        }
        s = REMAINING.matcher(s).replaceAll("remaining(?s)");
        s = JSON_TTL.matcher(s).replaceAll("\"ttl\":<remaining>");
        s = KEYS_SIMPLE.matcher(s).replaceAll(m -> "attached keys([" + sorted(m.group(1), " ") + "])");
        return KEYS_JSON.matcher(s).replaceAll(m -> "\"keys\":[" + sorted(m.group(1), ",") + "]");
    }

    /** etcd lists a lease's keys in Go map order (random): compare them as a sorted list. */
    private static String sorted(String list, String separator) {
        return java.util.regex.Matcher.quoteReplacement(String.join(separator,
                java.util.Arrays.stream(list.split(Pattern.quote(separator))).sorted().toList()));
    }

    @Test
    void leaseCommandsAndLockMatchEtcd() throws Exception {
        int clientPort = Ports.next();
        int peerPort = Ports.next();
        List<String> expected = run(MemberKind.ETCD, clientPort, peerPort);
        List<String> actual = run(MemberKind.VERTCD, clientPort, peerPort);
        assertEquals(String.join("\n---\n", expected), String.join("\n---\n", actual));
    }
}
