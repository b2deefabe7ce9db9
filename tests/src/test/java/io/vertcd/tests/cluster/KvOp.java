package io.vertcd.tests.cluster;

/**
 * One client operation on a key-value register, as recorded for {@link LinearizabilityChecker}.
 *
 * @param client the client that issued it (a client issues one operation at a time)
 * @param kind put, get or delete
 * @param key the key
 * @param value for a put the value written; for a completed get the value read, {@code null} when
 *        the key was absent; unused for a delete
 * @param invokeNanos when the request was sent ({@link System#nanoTime()})
 * @param completeNanos when the response arrived; {@link Long#MAX_VALUE} when the outcome is unknown
 * @param unknown true when the outcome is unknown (timed out, connection lost): a put or delete
 *        may have taken effect at any time after its invocation, or never
 */
public record KvOp(int client, Kind kind, String key, String value, long invokeNanos, long completeNanos,
                   boolean unknown) {
    /** Operation kinds. */
    public enum Kind { PUT, GET, DELETE }

    /** @throws IllegalArgumentException when completion precedes invocation */
    public KvOp {
        if (unknown) {
            completeNanos = Long.MAX_VALUE;
        }
        if (completeNanos < invokeNanos) {
            throw new IllegalArgumentException("completes before it is invoked: " + invokeNanos + " > " + completeNanos);
        }
    }

    /** @return a completed put */
    public static KvOp put(int client, String key, String value, long invoke, long complete) {
        return new KvOp(client, Kind.PUT, key, value, invoke, complete, false);
    }

    /** @return a completed get that read {@code value} (null: absent) */
    public static KvOp get(int client, String key, String value, long invoke, long complete) {
        return new KvOp(client, Kind.GET, key, value, invoke, complete, false);
    }

    /** @return a completed delete */
    public static KvOp delete(int client, String key, long invoke, long complete) {
        return new KvOp(client, Kind.DELETE, key, null, invoke, complete, false);
    }

    /** @return the same operation with an unknown outcome */
    public KvOp asUnknown() {
        return new KvOp(client, kind, key, value, invokeNanos, Long.MAX_VALUE, true);
    }

    @Override
    public String toString() {
        String v = kind == Kind.DELETE ? "" : "(" + value + ")";
        return "c" + client + " " + kind + " " + key + v + " [" + invokeNanos + ", "
                + (unknown ? "?" : String.valueOf(completeNanos)) + "]";
    }
}
