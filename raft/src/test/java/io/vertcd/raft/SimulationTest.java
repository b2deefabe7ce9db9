package io.vertcd.raft;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Randomized fault-injection runs of {@link SimCluster}: ten thousand seeds (3, 4 and 5 members; about 10 s), each a
 * random walk checked after every step, then healed and required to converge; and a quarter as many with pre-vote
 * or check-quorum off. A failure message starts with its seed; replay it with {@code -Dsim.seed=<seed>}. More:
 * {@code -Dsim.seeds=N}, longer walks: {@code -Dsim.steps=N}.
 */
class SimulationTest {

    private static final int SEEDS = Integer.getInteger("sim.seeds", 10_000);
    private static final int STEPS = Integer.getInteger("sim.steps", 5000);


    private static void runSeed(long seed, int members, SimCluster.Faults faults) {
        runSeed(seed, members, faults, true, true);
    }

    private static void runSeed(long seed, int members, SimCluster.Faults faults, boolean preVote, boolean checkQuorum) {
        SimCluster c = new SimCluster(seed, members, faults, preVote, checkQuorum);
        try {
            c.run(STEPS);
            int rounds = c.healAndConverge(1000);
            if (rounds < 0) {
                throw c.fail("did not converge after healing; leader=" + (c.leader() == null ? "none" : c.leader().id) + c.describe());
            }
            if (Boolean.getBoolean("sim.verbose")) {
                System.out.println("seed " + seed + ": " + c.stats());
            }
        } catch (AssertionError e) {
            throw e;
        } catch (RuntimeException e) {
            throw new AssertionError("seed " + seed + ", step " + c.steps + ": " + e, e);
        }
    }

    @Test
    void randomizedClusters() {
        Long only = Long.getLong("sim.seed");
        if (only != null) {
            runSeed(only, 3 + (int) (only % 3), SimCluster.Faults.standard());
            return;
        }
        for (long seed = 1; seed <= SEEDS; seed++) {
            // 3, 4 and 5 members.
            runSeed(seed, 3 + (int) (seed % 3), SimCluster.Faults.standard());
        }
    }

    @Test
    void randomizedClustersWithoutPreVoteOrCheckQuorum() {
        for (long seed = 1; seed <= SEEDS / 4; seed++) {
            runSeed(seed, 3 + (int) (seed % 3), SimCluster.Faults.standard(), seed % 2 == 0, seed % 4 == 1);
        }
    }

    @Test
    void reliableNetworkMakesProgress() {
        SimCluster c = new SimCluster(42, 3, new SimCluster.Faults(0, 0, 0, 0, 0, 0, false));
        c.run(3000);
        assertTrue(c.healAndConverge(200) >= 0);
        assertTrue(c.readsAnswered > 0, "ReadIndex requests were answered");
    }
}
