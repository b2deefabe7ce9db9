package io.vertcd.server.cli;

/**
 * The member's housekeeping flags: corruption checks (etcd etcdserver/corrupt.go) and auto-compaction (etcd
 * etcdserver/api/v3compactor).
 *
 * @param initialCorruptCheck {@code --experimental-initial-corrupt-check}: before it serves, a member whose data
 *     directory already held data compares its HashKV with every reachable peer's at its own revision and refuses
 *     to start on a mismatch (etcd CheckInitialHashKV)
 * @param corruptCheckIntervalMs {@code --experimental-corrupt-check-time} in ms, 0 for none: how often the leader
 *     compares the members' HashKV and raises the CORRUPT alarm on a mismatch (etcd monitorKVHash)
 * @param periodicCompaction {@code --auto-compaction-mode}: true for {@code periodic} (etcd's default), false for
 *     {@code revision}
 * @param autoCompactionRetention {@code --auto-compaction-retention} as etcd parses it (embed/etcd.go
 *     parseCompactionRetention): periodic mode, ms of history to keep (a whole number means hours, anything else is
 *     a Go duration); revision mode, revisions to keep; 0 disables auto-compaction
 */
public record MaintenanceOptions(boolean initialCorruptCheck, long corruptCheckIntervalMs, boolean periodicCompaction,
        long autoCompactionRetention) {
    /** No checks and no auto-compaction (etcd's defaults). */
    public static final MaintenanceOptions DEFAULTS = new MaintenanceOptions(false, 0, true, 0);

    /**
     * Parses the auto-compaction flags as etcd 3.4 does (embed/config.go Validate, embed/etcd.go
     * parseCompactionRetention).
     *
     * @throws ConfigException {@code unknown auto-compaction-mode "x"} or {@code error parsing CompactionRetention: ...}
     */
    public static long parseRetention(String mode, String retention) throws ConfigException {
        if (!mode.equals("periodic") && !mode.equals("revision")) {
            throw new ConfigException("vertcd: unknown auto-compaction-mode \"" + mode + "\"");
        }
        long whole;
        try {
            whole = Long.parseLong(retention);
        } catch (NumberFormatException e) {
            whole = -1;
        }
        if (whole >= 0) {
            return mode.equals("revision") ? whole : whole * 3_600_000L;
        }
        long ms;
        try {
            ms = GoDurations.parseMs("--auto-compaction-retention", retention);
        } catch (ConfigException e) {
            throw new ConfigException("vertcd: error parsing CompactionRetention: " + e.getMessage());
        }
        if (ms < 0) {
            throw new ConfigException("vertcd: --auto-compaction-retention must not be negative");
        }
        return mode.equals("revision") ? ms * 1_000_000L : ms; // etcd: a duration in revision mode counts nanoseconds
    }
}
