package io.vertcd.statemachine;

import io.etcd.jetcd.api.Event;
import java.util.List;

/**
 * Told about every new store revision, for the watch hub. Called on the apply thread right after
 * the revision became visible to readers; it must not block (hand the events off).
 */
@FunctionalInterface
public interface ChangeListener {
    /**
     * @param revision the new store revision
     * @param events the changes of that revision in sub-revision order; a DELETE event's kv holds
     *     only the key and mod_revision (etcd tombstone)
     */
    void onRevision(long revision, List<Event> events);
}
