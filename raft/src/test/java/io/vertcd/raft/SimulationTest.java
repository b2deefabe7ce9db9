package io.vertcd.raft;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Randomized fault-injection runs of {@link SimCluster}, every member driven by the production
 * {@link io.vertcd.raft.node.ReadyLoop}: fifty thousand seeds (3, 4 and 5 members), each a random walk checked after
 * every step, then healed and required to converge; a quarter as many with pre-vote or check-quorum off; and a proof
 * that the checks catch a loop whose log acknowledges writes before they are durable.
 *
 * <p>A failure message starts with its seed; replay it with {@code -Dsim.seed=<seed>} (add {@code -Dsim.trace=<id>}
 * for one member's messages). More seeds: {@code -Dsim.seeds=N}; longer walks: {@code -Dsim.steps=N}; a broken rule
 * for every run: {@code -Dsim.break=ack-before-durable}; per-seed and summed counters: {@code -Dsim.verbose=true}.
 */
class SimulationTest {

    private static final int SEEDS = Integer.getInteger("sim.seeds", 50_000);
    private static final int STEPS = Integer.getInteger("sim.steps", 2000);
    private static final boolean VERBOSE = Boolean.getBoolean("sim.verbose");
    private static final SimCluster.Breakage BREAK = SimCluster.Breakage.fromProperty();

    private static SimStats runSeed(long seed, int members, SimCluster.Faults faults, boolean preVote,
                                    boolean checkQuorum, SimCluster.Breakage breakage) {
        SimCluster c = null;
        try {
            c = new SimCluster(seed, members, faults, preVote, checkQuorum, breakage);
            c.run(STEPS);
            int rounds = c.healAndConverge(1000);
            if (rounds < 0) {
                throw c.fail("did not converge after healing; leader="
                        + (c.leader() == null ? "none" : c.leader().id) + c.describe());
            }
            if (VERBOSE && SEEDS <= 100) {
                System.out.println("seed " + seed + ": " + c.stats().line());
            }
            return c.stats();
        } catch (AssertionError e) {
            throw e;
        } catch (RuntimeException e) {
            throw new AssertionError("seed " + seed + ", step " + (c == null ? 0 : c.steps) + ": " + e, e);
        }
    }

    private static void runSeeds(String name, long seeds, boolean allOptions) {
        Long only = Long.getLong("sim.seed");
        SimStats sum = new SimStats();
        long start = System.nanoTime();
        for (long seed = only != null ? only : 1; seed <= (only != null ? only : seeds); seed++) {
            boolean preVote = allOptions || seed % 2 == 0;
            boolean checkQuorum = allOptions || seed % 4 == 1;
            sum.add(runSeed(seed, 3 + (int) (seed % 3), SimCluster.Faults.standard(), preVote, checkQuorum, BREAK));
        }
        if (VERBOSE) {
            System.out.printf("%s: %s; %d ms%n", name, sum.summary(), (System.nanoTime() - start) / 1_000_000);
        }
    }

    @Test
    void randomizedClusters() {
        runSeeds("randomizedClusters", SEEDS, true);
    }

    /** Seed N runs with pre-vote iff N is even and check-quorum iff N % 4 == 1 ({@code -Dsim.seed} replays it too). */
    @Test
    void randomizedClustersWithoutPreVoteOrCheckQuorum() {
        runSeeds("randomizedClustersWithoutPreVoteOrCheckQuorum", SEEDS / 4, false);
    }

    @Test
    void reliableNetworkMakesProgress() {
        SimCluster c = new SimCluster(42, 3, new SimCluster.Faults(0, 0, 0, 0, 0, 0, false));
        c.run(3000);
        assertTrue(c.healAndConverge(200) >= 0);
        assertTrue(c.stats().reads > 0, "ReadIndex requests were answered");
    }

    /**
     * The same production loop over a log that acknowledges saves before they are durable
     * ({@link AckBeforeDurableDisk}: a follower's append and a vote are answered, then lost in a crash) must fail a
     * safety check for some seed among the first few hundred.
     */
    @Test
    void ackBeforeDurableIsCaught() {
        AssertionError caught = null;
        long seed = 1;
        for (; seed <= 500 && caught == null; seed++) {
            try {
                runSeed(seed, 3 + (int) (seed % 3), SimCluster.Faults.standard(), true, true,
                        SimCluster.Breakage.ACK_BEFORE_DURABLE);
            } catch (AssertionError e) {
                if (isSafetyViolation(e.getMessage())) {
                    caught = e;
                }
            }
        }
        assertNotNull(caught, "no seed up to 500 broke a safety check although saves were acknowledged early");
        if (VERBOSE) {
            System.out.println("ack-before-durable caught: " + caught.getMessage());
        }
    }

    private static boolean isSafetyViolation(String message) {
        return message.contains("election safety") || message.contains("log matching")
                || message.contains("leader completeness") || message.contains("state machine safety")
                || message.contains("stale ReadIndex");
    }
}
