package io.vertcd.tests;

import static io.vertcd.tests.Jetcd.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.LeaseOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Lease TTL checkpointing across {@code kill -9} (etcd's {@code --experimental-enable-lease-checkpoint}
 * and {@code --experimental-lease-checkpoint-interval}): the leader proposes each long lease's
 * remaining TTL through Raft every interval, so after a restart the lease counts down from the
 * last checkpoint instead of getting its full TTL again. Two vertcd members side by side, same
 * steps: one checkpoints every second, the other has checkpointing off (etcd 3.4's default).
 *
 * <p>Steps: grant a 60 s lease; let {@value #WAIT_MS} ms pass (W); kill -9; restart; read the
 * remaining TTL R with LeaseTimeToLive. Let D be the whole seconds (rounded up) from the restart
 * call to the answer. Tolerances, each term explained:
 * <ul>
 *   <li>checkpointing on: {@code R <= 60 - W + 3} (the last checkpoint may be up to one interval
 *       (1 s) plus one lessor scan (0.5 s) old at the kill, is rounded up to whole seconds (+1),
 *       and the new leader adds its election timeout (1 s), as etcd's Promote does); and
 *       {@code R >= 60 - W - D - 1} (it did not lose more than it was counting down);</li>
 *   <li>checkpointing off: {@code R >= 60 - D - 1}: the full TTL again.</li>
 * </ul>
 * With W = 10 s the two ranges are disjoint for any D below 6 s; D is reported in the message.
 */
class LeaseCheckpointRestartTest {
    private static final long TTL_SECONDS = 60;
    private static final long WAIT_MS = 10_000;

    @Test
    void remainingTtlContinuesFromTheCheckpointAfterKillNine() throws InterruptedException {
        try (MemberProcess on = MemberProcess.create(MemberKind.VERTCD, "lcp-on",
                        "--experimental-lease-checkpoint-interval=1s").start();
                MemberProcess off = MemberProcess.create(MemberKind.VERTCD, "lcp-off",
                        "--experimental-enable-lease-checkpoint=false").start()) {
            long idOn = grant(on);
            long grantedOn = System.nanoTime();
            long idOff = grant(off);
            Thread.sleep(WAIT_MS); // the lease must count down for real: this is the time under test
            on.kill();
            long waitedOn = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - grantedOn); // W, floor
            off.kill();

            long restartOn = System.nanoTime();
            on.start();
            long remainingOn = remaining(on, idOn);
            long dOn = secondsUp(System.nanoTime() - restartOn);
            long restartOff = System.nanoTime();
            off.start();
            long remainingOff = remaining(off, idOff);
            long dOff = secondsUp(System.nanoTime() - restartOff);

            String report = "checkpointing on: R=" + remainingOn + " W=" + waitedOn + " D=" + dOn
                    + "; off: R=" + remainingOff + " D=" + dOff;
            System.out.println(report); // surefire keeps it in the test's output file
            assertTrue(remainingOn <= TTL_SECONDS - waitedOn + 3, "continued from the checkpoint, " + report);
            assertTrue(remainingOn >= TTL_SECONDS - waitedOn - dOn - 1, "lost no more than elapsed, " + report);
            assertTrue(remainingOff >= TTL_SECONDS - dOff - 1, "without checkpoints: the full TTL again, " + report);
        }
    }

    private static long grant(MemberProcess m) {
        try (Client c = Jetcd.client(m)) {
            return await(c.getLeaseClient().grant(TTL_SECONDS)).getID();
        }
    }

    private static long remaining(MemberProcess m, long id) {
        try (Client c = Jetcd.client(m)) {
            long ttl = await(c.getLeaseClient().timeToLive(id, LeaseOption.DEFAULT)).getTTL();
            assertTrue(ttl > 0, m + ": lease " + id + " survived the restart, TTL " + ttl);
            return ttl;
        }
    }

    private static long secondsUp(long nanos) {
        return (nanos + 999_999_999L) / 1_000_000_000L;
    }
}
