package io.vertcd.raft;

/**
 * Counters of what simulated runs exercised; one per run, and a sum over runs ({@link #add}) that also counts in how
 * many runs each fault happened at least once. Printed with {@code -Dsim.verbose=true}.
 */
final class SimStats {
    long runs;
    long steps;
    long crashes;
    long writesLost;
    long checkpoints;
    long installs;
    long staleInstalls;
    long confChanges;
    long transfers;
    long reads;
    long skipped;
    long leaderTerms;
    long maxApplied;
    long runsWithCrash;
    long runsWithCheckpoint;
    long runsWithInstall;
    long runsWithConfChange;
    long runsWithTransfer;

    /** Adds one run's counters. */
    synchronized void add(SimStats r) {
        runs++;
        steps += r.steps;
        crashes += r.crashes;
        writesLost += r.writesLost;
        checkpoints += r.checkpoints;
        installs += r.installs;
        staleInstalls += r.staleInstalls;
        confChanges += r.confChanges;
        transfers += r.transfers;
        reads += r.reads;
        skipped += r.skipped;
        leaderTerms += r.leaderTerms;
        maxApplied += r.maxApplied;
        runsWithCrash += r.crashes > 0 ? 1 : 0;
        runsWithCheckpoint += r.checkpoints > 0 ? 1 : 0;
        runsWithInstall += r.installs > 0 ? 1 : 0;
        runsWithConfChange += r.confChanges > 0 ? 1 : 0;
        runsWithTransfer += r.transfers > 0 ? 1 : 0;
    }

    /** One run's line. */
    String line() {
        return "steps=" + steps + " terms=" + leaderTerms + " maxApplied=" + maxApplied + " reads=" + reads + " crashes="
                + crashes + " writesLost=" + writesLost + " checkpoints=" + checkpoints + " installs=" + installs
                + " staleInstalls=" + staleInstalls + " confChanges=" + confChanges + " transfers=" + transfers
                + " skipped=" + skipped;
    }

    /** The sum's summary: totals, means per run, and the share of runs that saw each fault. */
    String summary() {
        double n = Math.max(1, runs);
        return String.format("%d runs, %d steps; per run: terms %.1f, maxApplied %.1f, reads %.1f, crashes %.1f"
                        + " (unsynced writes lost %.1f), checkpoints %.1f, snapshot installs %.2f (not ahead of the state, kept: %d"
                        + " total), conf changes applied %.1f, leader transfers %.2f, entries skipped %.1f; runs with a"
                        + " crash %.1f%%, checkpoint %.1f%%, install %.1f%%, conf change %.1f%%, transfer %.1f%%",
                runs, steps, leaderTerms / n, maxApplied / n, reads / n, crashes / n, writesLost / n, checkpoints / n,
                installs / n, staleInstalls, confChanges / n, transfers / n, skipped / n,
                100 * runsWithCrash / n, 100 * runsWithCheckpoint / n, 100 * runsWithInstall / n,
                100 * runsWithConfChange / n, 100 * runsWithTransfer / n);
    }
}
