package io.vertcd.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** etcd's /health, /livez and /readyz rules (etcdhttp/health.go) against a scripted member. */
class HealthChecksTest {
    /** A member whose answers the test sets; it records which reads were asked. */
    private static final class Scripted implements HealthChecks.Member {
        long leader = 1;
        Set<Integer> alarms = Set.of();
        boolean learner;
        String linearizableError;
        final List<Boolean> reads = new ArrayList<>();

        @Override
        public long leader() {
            return leader;
        }

        @Override
        public Set<Integer> alarms() {
            return alarms;
        }

        @Override
        public boolean isLearner() {
            return learner;
        }

        @Override
        public Future<?> range(boolean serializable) {
            reads.add(serializable);
            return !serializable && linearizableError != null ? Future.failedFuture(linearizableError)
                    : Future.succeededFuture();
        }
    }

    private static HealthChecks.Health health(Scripted m, Set<String> exclude, boolean serializable) {
        return new HealthChecks(m).health(exclude, serializable).result();
    }

    @Test
    void healthyWithLeaderAndALinearizableRead() {
        Scripted m = new Scripted();
        assertEquals(new HealthChecks.Health(true, ""), health(m, Set.of(), false));
        assertEquals(List.of(false), m.reads);
    }

    @Test
    void noLeaderFailsUnlessSerializable() {
        Scripted m = new Scripted();
        m.leader = 0;
        assertEquals(new HealthChecks.Health(false, "RAFT NO LEADER"), health(m, Set.of(), false));
        assertEquals(List.of(), m.reads);
        assertEquals(new HealthChecks.Health(true, ""), health(m, Set.of(), true));
        assertEquals(List.of(true), m.reads);
    }

    @Test
    void alarmsComeFirstAndCanBeExcluded() {
        Scripted m = new Scripted();
        m.leader = 0;
        m.alarms = Set.of(HealthChecks.CORRUPT, HealthChecks.NOSPACE);
        assertEquals(new HealthChecks.Health(false, "ALARM NOSPACE"), health(m, Set.of(), false));
        assertEquals(new HealthChecks.Health(false, "ALARM CORRUPT"), health(m, Set.of("NOSPACE"), false));
        assertEquals(new HealthChecks.Health(false, "RAFT NO LEADER"), health(m, Set.of("NOSPACE", "CORRUPT"), false));
        m.alarms = Set.of(7);
        assertEquals(new HealthChecks.Health(false, "ALARM UNKNOWN"), health(m, Set.of(), true));
    }

    @Test
    void aFailedReadGivesItsError() {
        Scripted m = new Scripted();
        m.linearizableError = "etcdserver: request timed out";
        assertEquals(new HealthChecks.Health(false, "RANGE ERROR:etcdserver: request timed out"),
                health(m, Set.of(), false));
        assertEquals(new HealthChecks.Health(true, ""), health(m, Set.of(), true));
    }

    @Test
    void readyzReportsEachCheckInOrder() {
        Scripted m = new Scripted();
        HealthChecks checks = new HealthChecks(m);
        assertEquals(new HealthChecks.Report(true, "[+]data_corruption ok\n[+]serializable_read ok\n"
                + "[+]linearizable_read ok\n[+]non_learner ok\n"), HealthChecks.run(checks.readyz()).result());
        m.alarms = Set.of(HealthChecks.CORRUPT);
        m.learner = true;
        m.linearizableError = "etcdserver: request timed out";
        assertEquals(new HealthChecks.Report(false, "[-]data_corruption failed: alarm activated: CORRUPT\n"
                + "[+]serializable_read ok\n[-]linearizable_read failed: etcdserver: request timed out\n"
                + "[-]non_learner failed: not supported for learner\n"), HealthChecks.run(checks.readyz()).result());
        assertEquals(new HealthChecks.Report(true, "[+]serializable_read ok\n"),
                HealthChecks.run(checks.livez()).result());
    }
}
