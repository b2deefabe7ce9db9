package io.vertcd.statemachine;

import io.etcd.jetcd.api.AlarmMember;
import io.etcd.jetcd.api.AlarmType;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Active alarms (etcd etcdserver/api/v3alarm/alarms.go AlarmStore): a set of (member, alarm type).
 * Kept in a deterministic order (type, then member) so every member answers GET alike.
 * Mutated only on the apply thread; {@link #list} may be called from any thread.
 */
final class AlarmStore {
    private record Entry(long memberId, int type) implements Comparable<Entry> {
        @Override
        public int compareTo(Entry o) {
            int c = Integer.compare(type, o.type);
            return c != 0 ? c : Long.compareUnsigned(memberId, o.memberId);
        }
    }

    private volatile TreeSet<Entry> alarms = new TreeSet<>(); // copy-on-write

    /** @return true if the alarm was newly added (false if it was already active). */
    boolean activate(long memberId, int type) {
        TreeSet<Entry> next = new TreeSet<>(alarms);
        boolean added = next.add(new Entry(memberId, type));
        alarms = next;
        return added;
    }

    /** @return true if the alarm was active and is now removed. */
    boolean deactivate(long memberId, int type) {
        TreeSet<Entry> next = new TreeSet<>(alarms);
        boolean removed = next.remove(new Entry(memberId, type));
        alarms = next;
        return removed;
    }

    /** @return true if any member has an alarm of this type. */
    boolean any(int type) {
        for (Entry e : alarms) {
            if (e.type == type) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param type alarm type number, or {@link AlarmType#NONE_VALUE} for all (etcd AlarmStore.Get)
     */
    List<AlarmMember> list(int type) {
        List<AlarmMember> out = new ArrayList<>();
        for (Entry e : alarms) {
            if (type == AlarmType.NONE_VALUE || e.type == type) {
                out.add(AlarmMember.newBuilder().setMemberID(e.memberId).setAlarmValue(e.type).build());
            }
        }
        return out;
    }

    /** Replaces all alarms (restore from a checkpoint). */
    void reset(List<AlarmMember> list) {
        TreeSet<Entry> next = new TreeSet<>();
        for (AlarmMember m : list) {
            next.add(new Entry(m.getMemberID(), m.getAlarmValue()));
        }
        alarms = next;
    }
}
