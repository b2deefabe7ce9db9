package io.vertcd.statemachine;

/**
 * etcd's alarm types by number (etcdserverpb.AlarmType, rpc.proto): jetcd's copy of rpc.proto lacks CORRUPT, so its
 * enum reports {@code UNRECOGNIZED} for it; use the numbers and {@link #name(int)} instead.
 */
public final class AlarmTypes {
    /** AlarmType NONE: in a GET, every alarm. */
    public static final int NONE = 0;
    /** AlarmType NOSPACE: the backend quota is exhausted. */
    public static final int NOSPACE = 1;
    /** AlarmType CORRUPT: the members' stores disagree (etcd etcdserver/corrupt.go). */
    public static final int CORRUPT = 2;

    private AlarmTypes() {}

    /** @return etcd's name of the type (Go's String(): the number for a value it does not know) */
    public static String name(int type) {
        return switch (type) {
            case NONE -> "NONE";
            case NOSPACE -> "NOSPACE";
            case CORRUPT -> "CORRUPT";
            default -> String.valueOf(type);
        };
    }
}
