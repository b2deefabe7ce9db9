package io.vertcd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Stock etcdctl 3.4 against real etcd 3.4 and against vertcd: the same script of commands, each
 * compared on stdout, stderr and exit code after the few masks of {@link OutputMask}.
 *
 * <p>Both members are fresh single-member clusters with the same {@code --name},
 * {@code --initial-cluster-token} and the same client and peer ports (etcd runs first and is
 * stopped, then vertcd starts on the same ports), so URLs, member IDs and cluster IDs must match
 * exactly. Set {@code -Dvertcd.tests.subject=etcd} to compare etcd with a second etcd, which
 * validates the script and the masks.
 *
 * <p>Not covered here: {@code get --count-only}, which etcdctl 3.4 does not have (it arrived in
 * 3.5); {@link JetcdClientTest} and {@link CapacityTest} check count_only ranges through gRPC.
 * Transcripts go to {@code target/e2e-logs/compat-1-reference-etcd.txt} and
 * {@code compat-2-subject-<kind>.txt}.
 */
class EtcdctlCompatibilityTest {

    /** One etcdctl invocation of the script. */
    record Step(String stdin, int expectedExit, List<String> args) {
        static Step ok(String... args) {
            return new Step(null, 0, List.of(args));
        }

        static Step err(String... args) {
            return new Step(null, 1, List.of(args));
        }

        static Step txn(String stdin, String... args) {
            return new Step(stdin, 0, List.of(args));
        }

        String show() {
            return "etcdctl " + String.join(" ", args) + (stdin == null ? "" : " <<EOF\n" + stdin + "EOF");
        }
    }

    /**
     * The script. Revisions, as etcd counts them (a fresh store is at revision 1), are noted where
     * they matter; the sort tests rely on a1/a2/a3 having pairwise distinct versions, create and
     * mod revisions and values, ordered differently for each sort target:
     * a1 (create 7, mod 10, version 2, "v-c"), a2 (create 8, mod 8, version 1, "v-z"),
     * a3 (create 6, mod 11, version 3, "v-a").
     */
    static List<Step> script() {
        List<Step> s = new ArrayList<>();
        // put
        s.add(Step.ok("put", "foo", "bar"));                          // rev 2
        s.add(Step.ok("put", "foo", "bar2", "--prev-kv"));            // rev 3
        s.add(Step.ok("put", "foo", "--ignore-value"));               // rev 4
        s.add(Step.err("put", "nokey", "--ignore-value"));            // key not found
        s.add(Step.ok("put", "foo", "bar3", "--ignore-lease"));       // rev 5
        s.add(Step.err("put", "leased", "v", "--lease=1234abcd"));   // lease not found
        s.add(Step.ok("put", "a3", "t1"));                            // rev 6
        s.add(Step.ok("put", "a1", "t2"));                            // rev 7
        s.add(Step.ok("put", "a2", "v-z"));                           // rev 8
        s.add(Step.ok("put", "a3", "t3"));                            // rev 9
        s.add(Step.ok("put", "a1", "v-c", "-w", "json"));             // rev 10
        s.add(Step.ok("put", "a3", "v-a", "--prev-kv", "-w", "json")); // rev 11
        s.add(Step.ok("put", "b1", "vb"));                            // rev 12
        s.add(Step.ok("put", "c1", "vc"));                            // rev 13
        s.add(Step.ok("put", "d1", "vd", "-w", "fields"));            // rev 14
        // get
        s.add(Step.ok("get", "foo"));
        s.add(Step.ok("get", "missing"));
        s.add(Step.ok("get", "a", "--prefix"));
        s.add(Step.ok("get", "a", "--prefix", "--limit=2"));
        s.add(Step.ok("get", "a", "--prefix", "--limit=2", "-w", "json"));
        s.add(Step.ok("get", "a2", "--from-key"));
        s.add(Step.ok("get", "a1", "b1"));
        s.add(Step.ok("get", "foo", "--rev=2"));
        s.add(Step.ok("get", "foo", "--rev=3", "-w", "json"));
        s.add(Step.ok("get", "a1", "--rev=7"));
        s.add(Step.ok("get", "a", "--prefix", "--rev=9", "-w", "json"));
        for (String target : List.of("KEY", "VERSION", "CREATE", "MODIFY", "VALUE")) {
            for (String order : List.of("ASCEND", "DESCEND")) {
                s.add(Step.ok("get", "a", "--prefix", "--sort-by=" + target, "--order=" + order));
            }
        }
        s.add(Step.ok("get", "a", "--prefix", "--sort-by=MODIFY", "--order=DESCEND", "--limit=2", "-w", "json"));
        s.add(Step.ok("get", "a", "--prefix", "--order=DESCEND"));
        s.add(Step.ok("get", "a", "--prefix", "--keys-only"));
        s.add(Step.ok("get", "a", "--prefix", "--keys-only", "-w", "json"));
        s.add(Step.ok("get", "a", "--prefix", "--print-value-only"));
        s.add(Step.ok("get", "a", "--prefix", "-w", "json"));
        s.add(Step.ok("get", "a", "--prefix", "-w", "fields"));
        s.add(Step.ok("get", "foo", "-w", "fields"));
        s.add(Step.ok("get", "", "--from-key", "-w", "json"));
        s.add(Step.ok("get", "foo", "--consistency=s"));
        s.add(Step.ok("get", "a", "--prefix", "--consistency=s", "-w", "json"));
        s.add(Step.ok("get", "foo", "--hex"));
        s.add(Step.err("get", "foo", "--rev=1000"));                  // future revision
        // txn -i: success branch (every compare target), then failure branch
        s.add(Step.txn("""
                value("foo") = "bar3"
                version("a3") = "3"
                create("a1") = "7"
                mod("a2") = "8"
                mod("foo") > "1"
                version("a1") < "5"
                value("b1") != "x"

                put t1 yes
                get a --prefix
                del c1

                put t1 no

                """, "txn", "-i"));                                    // rev 15
        s.add(Step.txn("""
                value("foo") = "nope"
                version("a3") = "3"

                put t2 yes

                put t2 no
                get foo
                get a1 --rev=7

                """, "txn", "-i"));                                    // rev 16
        s.add(Step.txn("""
                create("never") = "0"

                put t3 created
                get t3

                get t3

                """, "txn", "-i", "-w", "json"));                      // rev 17
        s.add(Step.txn("""
                mod("t1") < "3"

                del t1

                del t2 --prev-kv
                get t --prefix --keys-only

                """, "txn", "-i", "-w", "json"));                      // rev 18
        s.add(Step.ok("get", "t", "--prefix", "-w", "json"));
        // del
        s.add(Step.ok("del", "b1"));                                  // rev 19
        s.add(Step.ok("del", "nothing"));
        s.add(Step.ok("del", "a", "--prefix", "--prev-kv"));          // rev 20
        s.add(Step.ok("put", "z1", "1"));                             // rev 21
        s.add(Step.ok("put", "z2", "2"));                             // rev 22
        s.add(Step.ok("del", "z1", "--from-key", "-w", "json"));      // rev 23
        s.add(Step.ok("get", "", "--from-key"));
        // compaction
        s.add(Step.ok("compaction", "5"));
        s.add(Step.err("get", "foo", "--rev=4"));                     // compacted
        s.add(Step.ok("get", "foo", "--rev=5"));
        s.add(Step.err("compaction", "3"));                           // compacted
        s.add(Step.err("compaction", "100"));                         // future revision
        s.add(Step.ok("compaction", "--physical", "12"));
        s.add(Step.err("get", "a", "--prefix", "--rev=11"));
        s.add(Step.ok("get", "a", "--prefix", "--rev=12", "-w", "json"));
        s.add(Step.ok("get", "foo", "-w", "json"));
        // cluster
        s.add(Step.ok("member", "list"));
        s.add(Step.ok("member", "list", "-w", "table"));
        s.add(Step.ok("member", "list", "-w", "json"));
        s.add(Step.ok("endpoint", "status"));
        s.add(Step.ok("endpoint", "status", "-w", "table"));
        s.add(Step.ok("endpoint", "status", "-w", "json"));
        s.add(Step.ok("endpoint", "health"));
        s.add(Step.ok("endpoint", "health", "-w", "json"));
        s.add(Step.ok("endpoint", "health", "-w", "table"));
        return s;
    }

    @Test
    void etcdctlOutputIsTheSameAsWithEtcd() throws IOException {
        List<Etcdctl.Result> etcd = assertSameAsEtcd("compat", script());
        assertTrue(etcd.get(0).stdout().startsWith("OK"), "etcd: put must print OK");
    }

    /**
     * Runs {@code script} on a fresh etcd 3.4, checks each step's exit code there, runs it on a fresh subject member
     * on the same ports and fails with every step whose masked output or exit code differs.
     *
     * @param name the transcripts' name ({@code target/e2e-logs/<name>-1-reference-etcd.txt}, ...)
     * @return etcd's results, step by step
     */
    static List<Etcdctl.Result> assertSameAsEtcd(String name, List<Step> script) throws IOException {
        Binaries.requireEtcd();
        MemberKind subject = Binaries.requireSubject();
        int clientPort = Ports.next();
        int peerPort = Ports.next();

        List<Etcdctl.Result> expected = runScript(name, "1-reference", MemberKind.ETCD, clientPort, peerPort, script);
        // The script itself must behave as designed against etcd (this keeps the script honest);
        // the subject is then judged only by comparison, so that every difference is reported.
        for (int i = 0; i < script.size(); i++) {
            assertEquals(script.get(i).expectedExit(), expected.get(i).exitCode(),
                    "etcd step " + i + ": " + script.get(i).show() + "\n" + expected.get(i));
        }
        List<Etcdctl.Result> actual = runScript(name, "2-subject", subject, clientPort, peerPort, script);

        StringBuilder diffs = new StringBuilder();
        int differing = 0;
        for (int i = 0; i < script.size(); i++) {
            Step step = script.get(i);
            Etcdctl.Result e = expected.get(i);
            Etcdctl.Result a = actual.get(i);
            String eOut = OutputMask.apply(step.args(), e.stdout());
            String aOut = OutputMask.apply(step.args(), a.stdout());
            String eErr = OutputMask.apply(step.args(), e.stderr());
            String aErr = OutputMask.apply(step.args(), a.stderr());
            if (e.exitCode() != a.exitCode() || !eOut.equals(aOut) || !eErr.equals(aErr)) {
                differing++;
                diffs.append("\n=== step ").append(i).append(": ").append(step.show()).append('\n')
                        .append("exit: etcd=").append(e.exitCode()).append(" ").append(subject).append('=')
                        .append(a.exitCode()).append('\n');
                if (!eOut.equals(aOut)) {
                    diffs.append("stdout etcd:\n").append(eOut).append("\nstdout ").append(subject).append(":\n")
                            .append(aOut).append('\n');
                }
                if (!eErr.equals(aErr)) {
                    diffs.append("stderr etcd:\n").append(eErr).append("\nstderr ").append(subject).append(":\n")
                            .append(aErr).append('\n');
                }
            }
        }
        if (differing > 0) {
            fail(differing + " of " + script.size() + " etcdctl commands differ from etcd:" + diffs);
        }
        return expected;
    }

    /** Runs the script on a fresh member and stops the member; a transcript goes to target/e2e-logs. */
    private static List<Etcdctl.Result> runScript(String name, String run, MemberKind kind, int clientPort, int peerPort,
            List<Step> script)
            throws IOException {
        List<Etcdctl.Result> results = new ArrayList<>();
        StringBuilder transcript = new StringBuilder();
        try (MemberProcess m = MemberProcess.create(kind, "compat", "compat-token", clientPort, peerPort).start()) {
            Etcdctl ctl = m.etcdctl();
            for (Step step : script) {
                Etcdctl.Result r = step.stdin() == null
                        ? ctl.run(step.args().toArray(String[]::new))
                        : ctl.runWithInput(step.stdin(), step.args().toArray(String[]::new));
                results.add(r);
                transcript.append("$ ").append(step.show()).append('\n').append(r).append("\n\n");
            }
            m.stop();
        } finally {
            Path out = Path.of(System.getProperty("user.dir"), "target", "e2e-logs",
                    name + "-" + run + "-" + kind.name().toLowerCase() + ".txt");
            Files.createDirectories(out.getParent());
            Files.writeString(out, transcript, StandardCharsets.UTF_8);
        }
        return results;
    }
}
