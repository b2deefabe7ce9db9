package io.vertcd.statemachine;

/**
 * One MVCC revision: the store-wide {@code main} revision of a write transaction and the
 * {@code sub} revision of one change inside it (etcd {@code mvcc/revision.go}). Revisions are
 * ordered by main, then sub.
 *
 * @param main the store revision the change belongs to (>= 2 for a change; 1 is the empty store)
 * @param sub the 0-based position of the change within its write transaction
 */
public record Revision(long main, long sub) implements Comparable<Revision> {

    /** @return negative, zero or positive as this revision is older than, equal to or newer than {@code o}. */
    @Override
    public int compareTo(Revision o) {
        int c = Long.compare(main, o.main);
        return c != 0 ? c : Long.compare(sub, o.sub);
    }
}
