package io.vertcd.tests.cluster;

/**
 * What a {@link TcpProxy} does with the connections of one link (one source member to the proxied
 * member).
 *
 * @param mode pass, cut or blackhole
 * @param delayMs extra one-way delay of every chunk, in both directions, ms (pass mode only)
 */
public record LinkState(Mode mode, long delayMs) {
    /** Link behaviours. */
    public enum Mode {
        /** Forward bytes (after {@code delayMs}). */
        PASS,
        /** Close open connections and close new ones at once: the peer sees connection errors. */
        CUT,
        /** Keep connections open but discard every byte: the peer sees silence, as in a partition. */
        BLACKHOLE
    }

    /** Forward without delay. */
    public static final LinkState HEALTHY = new LinkState(Mode.PASS, 0);
    /** See {@link Mode#CUT}. */
    public static final LinkState CUT = new LinkState(Mode.CUT, 0);
    /** See {@link Mode#BLACKHOLE}. */
    public static final LinkState BLACKHOLE = new LinkState(Mode.BLACKHOLE, 0);

    /** @return forwarding with a delay of {@code ms} each way */
    public static LinkState delayed(long ms) {
        return new LinkState(Mode.PASS, ms);
    }
}
