package io.vertcd.tests.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertcd.tests.Binaries;
import io.vertcd.tests.Etcdctl;
import io.vertcd.tests.MemberKind;
import io.vertcd.tests.Poll;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * etcd 3.4's strict reconfiguration check and learner restrictions, on three real member processes
 * (etcd, then vertcd, same script, same expected etcdctl output):
 *
 * <ol>
 *   <li>with one member stopped, {@code member add} is refused: "etcdserver: unhealthy cluster"
 *       (gRPC UNAVAILABLE; etcd server.go mayAddMember, isConnectedFullySince);
 *   <li>a learner refuses a put and a linearizable get with "etcdserver: rpc not supported for
 *       learner" (UNAVAILABLE) but answers a serializable get (etcd v3rpc isRPCSupportedForLearner);
 *   <li>{@code member promote} sent to a follower is refused with "etcdserver: can only promote a
 *       learner member which is in sync with leader" while the learner is frozen (SIGSTOP) behind
 *       the leader, and succeeds once it has caught up (etcd forwards the promote to the leader).
 * </ol>
 *
 * A transcript goes to {@code target/e2e-logs/reconfig-<kind>.txt}.
 */
class ReconfigurationCheckTest {
    private static final String UNHEALTHY = "etcdserver: unhealthy cluster";
    private static final String LEARNER = "etcdserver: rpc not supported for learner";
    private static final String NOT_READY = "etcdserver: can only promote a learner member which is in sync with leader";
    /** etcd HealthInterval plus a margin: how long links must be up before a reconfiguration, ms. */
    private static final long HEALTHY_FOR_MS = 6500;
    /** How long the leader takes at most to see a stopped member's link down (vertcd: a failed 1 s probe), ms. */
    private static final long LINK_DOWN_NOTICED_MS = 3000;

    @Test
    void etcd() throws Exception {
        scenario(MemberKind.ETCD);
    }

    @Test
    void vertcd() throws Exception {
        scenario(MemberKind.VERTCD);
    }

    private void scenario(MemberKind kind) throws Exception {
        Binaries.require(kind);
        List<String> transcript = new ArrayList<>();
        String name = kind.name().toLowerCase();
        try (ClusterProcess c = ClusterProcess.start(kind, 3, "reconfig-" + name)) {
            int leader = c.awaitLeader(Duration.ofSeconds(10));
            int follower = (leader + 1) % 3;
            int other = (leader + 2) % 3;
            Etcdctl viaLeader = new Etcdctl(c.members().get(leader).clientUrl());
            Etcdctl viaFollower = new Etcdctl(c.members().get(follower).clientUrl());
            // etcd's rule is about elapsed time (links up for 5 s), which nothing outside shows: wait it out
            Thread.sleep(HEALTHY_FOR_MS);

            // 1. one member stopped: adding a member is refused
            c.stop(other);
            Thread.sleep(LINK_DOWN_NOTICED_MS);
            Etcdctl.Result add = step(transcript, "add with a member stopped", viaLeader,
                    "member", "add", "x", "--peer-urls=http://127.0.0.1:1");
            assertEquals("Error: " + UNHEALTHY, errorLine(add), add::toString);
            assertTrue(add.stderr().contains("code = Unavailable desc = " + UNHEALTHY), add::toString);
            Etcdctl.Result learnerAdd = step(transcript, "add a learner with a member stopped", viaLeader,
                    "member", "add", "x", "--learner", "--peer-urls=http://127.0.0.1:1");
            assertEquals("Error: " + UNHEALTHY, errorLine(learnerAdd), learnerAdd::toString);
            c.restart(other);
            Thread.sleep(HEALTHY_FOR_MS);

            // 2. a learner serves serializable reads only
            int l = c.prepareMember();
            ClusterProcess.Member m = c.members().get(l);
            Etcdctl.Result added = step(transcript, "add a learner", viaLeader,
                    "member", "add", m.name(), "--learner", "--peer-urls=" + m.peerUrl());
            assertTrue(added.ok(), added::toString);
            // etcdctl prints IDs with %16x: shorter ones are padded with spaces
            Matcher id = Pattern.compile("Member +([0-9a-f]+) added to cluster").matcher(added.stdout());
            assertTrue(id.find(), added::toString);
            String learnerId = id.group(1);
            c.startAddedLearner(l);
            Etcdctl viaLearner = new Etcdctl(m.clientUrl());
            assertTrue(viaLeader.run("put", "k", "v").ok());
            Etcdctl.Result put = step(transcript, "put on the learner", viaLearner, "put", "k", "w");
            assertEquals("Error: " + LEARNER, errorLine(put), put::toString);
            assertTrue(put.stderr().contains("code = Unavailable desc = " + LEARNER), put::toString);
            Etcdctl.Result linearizable = step(transcript, "linearizable get on the learner", viaLearner, "get", "k");
            assertEquals("Error: " + LEARNER, errorLine(linearizable), linearizable::toString);
            Etcdctl.Result serializable = Poll.until(Duration.ofSeconds(10),
                    () -> viaLearner.run("get", "k", "--consistency=s"),
                    r -> r.ok() && r.stdout().equals("k\nv\n"));
            transcript.add("serializable get on the learner\n" + serializable);
            assertEquals("k\nv\n", serializable.stdout(), serializable::toString);

            // 3. promote through a follower: refused while the learner lags, done once it caught up
            c.pause(l);
            for (int i = 0; i < 60; i++) {
                assertTrue(viaLeader.run("put", "lag" + i, "x").ok());
            }
            Etcdctl.Result early = step(transcript, "promote a lagging learner via a follower", viaFollower,
                    "member", "promote", learnerId);
            assertEquals("Error: " + NOT_READY, errorLine(early), early::toString);
            c.resume(l);
            Etcdctl.Result promoted = Poll.until(Duration.ofSeconds(10),
                    () -> viaFollower.run("member", "promote", learnerId), Etcdctl.Result::ok);
            transcript.add("promote the caught-up learner via a follower\n" + promoted);
            assertTrue(promoted.ok(), promoted::toString);
            assertTrue(promoted.stdout().startsWith("Member " + String.format("%16s", learnerId) + " promoted in cluster "),
                    promoted::toString);
            Etcdctl.Result list = step(transcript, "member list", viaLeader, "member", "list");
            assertEquals(4, list.stdout().strip().lines().count(), list::toString);
            assertTrue(list.stdout().strip().lines().allMatch(line -> line.endsWith(", false")), list::toString);
        } finally {
            Path out = Path.of(System.getProperty("user.dir"), "target", "e2e-logs", "reconfig-" + name + ".txt");
            Files.createDirectories(out.getParent());
            Files.writeString(out, String.join("\n\n", transcript), StandardCharsets.UTF_8);
        }
    }

    private static Etcdctl.Result step(List<String> transcript, String what, Etcdctl ctl, String... args) {
        Etcdctl.Result r = ctl.run(args);
        transcript.add(what + ": etcdctl " + String.join(" ", args) + "\n" + r);
        return r;
    }

    /** @return etcdctl's last {@code Error: ...} line, or "" */
    private static String errorLine(Etcdctl.Result r) {
        String last = "";
        for (String line : r.stderr().split("\n")) {
            if (line.startsWith("Error: ")) {
                last = line.strip();
            }
        }
        return last;
    }
}
