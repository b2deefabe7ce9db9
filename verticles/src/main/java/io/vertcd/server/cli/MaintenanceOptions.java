package io.vertcd.server.cli;

/**
 * The member's housekeeping flags: corruption checks (etcd etcdserver/corrupt.go).
 *
 * @param initialCorruptCheck {@code --experimental-initial-corrupt-check}: before it serves, a member whose data
 *     directory already held data compares its HashKV with every reachable peer's at its own revision and refuses
 *     to start on a mismatch (etcd CheckInitialHashKV)
 * @param corruptCheckIntervalMs {@code --experimental-corrupt-check-time} in ms, 0 for none: how often the leader
 *     compares the members' HashKV and raises the CORRUPT alarm on a mismatch (etcd monitorKVHash)
 */
public record MaintenanceOptions(boolean initialCorruptCheck, long corruptCheckIntervalMs) {
    /** No checks (etcd's defaults). */
    public static final MaintenanceOptions DEFAULTS = new MaintenanceOptions(false, 0);
}
