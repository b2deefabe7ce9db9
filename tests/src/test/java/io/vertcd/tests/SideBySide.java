package io.vertcd.tests;

import java.util.List;

/**
 * Runs the same steps against a fresh single member of real etcd 3.4 first, then of the subject
 * ({@link Binaries#subject()}), and prints each run's summary (timings, sizes) for the test report.
 * A failed assertion in either run fails the test; etcd's run going first shows the steps themselves
 * are right.
 */
final class SideBySide {
    /** The steps, run once per member. */
    @FunctionalInterface
    interface Steps {
        /**
         * @param member a started member (its {@link MemberProcess#kind()} names it in messages)
         * @return a one-line summary of what was measured
         */
        String run(MemberProcess member) throws Exception;
    }

    private SideBySide() {
    }

    /**
     * @param name the members' {@code --name}
     * @param steps what to do with each
     */
    static void run(String name, Steps steps) throws Exception {
        Binaries.requireEtcd();
        MemberKind subject = Binaries.requireSubject();
        for (MemberKind kind : List.of(MemberKind.ETCD, subject)) {
            try (MemberProcess m = MemberProcess.create(kind, name).start()) {
                System.out.println(name + " " + kind + ": " + steps.run(m));
            }
        }
    }
}
