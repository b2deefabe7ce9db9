package io.vertcd.server.http;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * etcd's health rules (server/etcdserver/api/etcdhttp/health.go, etcd 3.5/3.6): {@code /health} and the named checks
 * of {@code /livez} and {@code /readyz}. No HTTP here: {@link HealthEndpoints} serves the answers.
 */
public final class HealthChecks {
    /** What the checks ask the member. */
    public interface Member {
        /** @return the leader this member follows, 0 when none */
        long leader();

        /** @return the active alarms as etcd's AlarmType numbers (published by the driver; never waits) */
        Set<Integer> alarms();

        /** @return true when this member is a learner */
        boolean isLearner();

        /**
         * A keys-only Range of one key from the empty key (etcd readCheck / checkAPI).
         *
         * @param serializable a local read; otherwise linearizable, which fails after the request timeout
         *     ({@code etcdserver: request timed out}) when there is no quorum
         * @return completes when the read did; fails with its error
         */
        Future<?> range(boolean serializable);
    }

    /**
     * One {@code /health} answer (etcd Health): {@code {"health":"true"|"false","reason":"..."}}.
     *
     * @param healthy the {@code health} field
     * @param reason empty when healthy; {@code ALARM NOSPACE}, {@code ALARM CORRUPT}, {@code ALARM UNKNOWN},
     *     {@code RAFT NO LEADER} or {@code RANGE ERROR:<error>}
     */
    public record Health(boolean healthy, String reason) {
        static final Health OK = new Health(true, "");
    }

    /** A named check of /livez or /readyz: succeeds, or fails with the error etcd prints after "failed: ". */
    public interface Check {
        /** @return completes when the check passes; fails with the reason */
        Future<?> run();
    }

    /** etcd AlarmType NOSPACE. */
    public static final int NOSPACE = 1;
    /** etcd AlarmType CORRUPT (absent from jetcd's rpc.proto). */
    public static final int CORRUPT = 2;

    private final Member member;

    /** @return etcd's AlarmType name (Go's String(): the number for a value it does not know) */
    static String alarmName(int alarm) {
        return io.vertcd.statemachine.AlarmTypes.name(alarm);
    }

    /** @param member the member the checks ask */
    public HealthChecks(Member member) {
        this.member = Objects.requireNonNull(member, "member");
    }

    /**
     * etcd's {@code /health}: the first active alarm not excluded; then, unless serializable, a leader; then a
     * keys-only Range (linearizable unless serializable).
     *
     * @param excludedAlarms alarm names ({@code NOSPACE}, {@code CORRUPT}) the caller excludes ({@code ?exclude=})
     * @param serializable {@code ?serializable=true}: skip the leader check and read locally
     * @return the answer; never fails
     */
    public Future<Health> health(Set<String> excludedAlarms, boolean serializable) {
        for (int alarm : new java.util.TreeSet<>(member.alarms())) {
            if (excludedAlarms.contains(alarmName(alarm))) {
                continue;
            }
            return Future.succeededFuture(new Health(false, switch (alarm) {
                case NOSPACE -> "ALARM NOSPACE";
                case CORRUPT -> "ALARM CORRUPT";
                default -> "ALARM UNKNOWN";
            }));
        }
        if (!serializable && member.leader() == 0) {
            return Future.succeededFuture(new Health(false, "RAFT NO LEADER"));
        }
        return member.range(serializable).map(r -> Health.OK)
                .otherwise(e -> new Health(false, "RANGE ERROR:" + e.getMessage()));
    }

    /** @return the checks of {@code /livez}, in the order they run and print (etcd installLivezEndpoints) */
    public Map<String, Check> livez() {
        Map<String, Check> checks = new LinkedHashMap<>();
        checks.put("serializable_read", () -> member.range(true));
        return checks;
    }

    /** @return the checks of {@code /readyz}, in the order they run and print (etcd installReadyzEndpoints) */
    public Map<String, Check> readyz() {
        Map<String, Check> checks = new LinkedHashMap<>();
        checks.put("data_corruption", () -> member.alarms().contains(CORRUPT)
                ? Future.failedFuture("alarm activated: CORRUPT") : Future.succeededFuture());
        checks.put("serializable_read", () -> member.range(true));
        checks.put("linearizable_read", () -> member.range(false));
        checks.put("non_learner", () -> member.isLearner()
                ? Future.failedFuture("not supported for learner") : Future.succeededFuture());
        return checks;
    }

    /**
     * Runs checks one after the other (etcd runHealthChecks) and prints etcd's report: a line {@code [+]<name> ok} or
     * {@code [-]<name> failed: <error>} per check.
     *
     * @param checks the checks to run, in order
     * @return the report and whether every check passed; never fails
     */
    public static Future<Report> run(Map<String, Check> checks) {
        return runFrom(new ArrayList<>(checks.entrySet()), 0, new StringBuilder(), true);
    }

    /**
     * What a run of checks found.
     *
     * @param ok every check passed
     * @param text the lines, each ending in a newline
     */
    public record Report(boolean ok, String text) {
    }

    private static Future<Report> runFrom(List<Map.Entry<String, Check>> checks, int i, StringBuilder out,
            boolean ok) {
        if (i == checks.size()) {
            return Future.succeededFuture(new Report(ok, out.toString()));
        }
        Map.Entry<String, Check> c = checks.get(i);
        Future<?> result;
        try {
            result = c.getValue().run();
        } catch (RuntimeException e) {
            result = Future.failedFuture(e);
        }
        return result.transform(ar -> {
            if (ar.succeeded()) {
                out.append("[+]").append(c.getKey()).append(" ok\n");
            } else {
                out.append("[-]").append(c.getKey()).append(" failed: ").append(ar.cause().getMessage()).append('\n');
            }
            return runFrom(checks, i + 1, out, ok && ar.succeeded());
        });
    }
}
