package io.vertcd.server.auth;

import io.vertcd.statemachine.auth.AuthInfo;
import io.vertcd.statemachine.auth.TokenProvider;
import java.security.SecureRandom;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * etcd's {@code simple} tokens (auth/simple_token.go): a random prefix of 16 letters chosen by the proposing member,
 * then {@code .<raft index>} of the Authenticate entry; every member records the token when it applies that entry,
 * so any member accepts it. A token lives {@code --auth-token-ttl} seconds (default 300) after its last use; it dies
 * when its user is deleted or changes password, when auth is disabled, and when the member restarts (tokens are not
 * persisted, as in etcd).
 *
 * <p>Bounded: tokens are created only by Authenticate, which {@link AuthenticateLimiter} caps per member; expired
 * tokens are swept at each assign. Thread-safe: assigned on the apply thread, looked up from any thread.
 */
public final class SimpleTokens implements TokenProvider {
    /** etcd defaultSimpleTokenLength. */
    static final int PREFIX_LENGTH = 16;
    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    private record Entry(String username, long expiresAtMs) {
    }

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Entry> tokens = new ConcurrentHashMap<>();
    private final long ttlMs;
    private final LongSupplier clockMs;
    private volatile boolean enabled;

    /**
     * @param ttlMs how long a token lives after its last use, ms ({@code --auth-token-ttl} x 1000)
     * @param clockMs a monotonic clock, ms
     */
    public SimpleTokens(long ttlMs, LongSupplier clockMs) {
        this.ttlMs = ttlMs;
        this.clockMs = clockMs;
    }

    /** @return a new random token prefix (etcd genTokenPrefix); any thread */
    public String newPrefix() {
        StringBuilder b = new StringBuilder(PREFIX_LENGTH);
        for (int i = 0; i < PREFIX_LENGTH; i++) {
            b.append(LETTERS.charAt(random.nextInt(LETTERS.length())));
        }
        return b.toString();
    }

    @Override
    public String assign(String username, long revision, String simpleTokenPrefix, long index) {
        String token = simpleTokenPrefix + "." + index;
        long now = clockMs.getAsLong();
        sweep(now);
        tokens.put(token, new Entry(username, now + ttlMs));
        return token;
    }

    private void sweep(long now) {
        for (Iterator<Entry> it = tokens.values().iterator(); it.hasNext(); ) {
            if (it.next().expiresAtMs() <= now) {
                it.remove();
            }
        }
    }

    /** {@inheritDoc} A valid token's life starts again (etcd simpleTokenKeeper.resetSimpleToken). */
    @Override
    public AuthInfo info(String token, long currentRevision) {
        if (!enabled) {
            return null;
        }
        long now = clockMs.getAsLong();
        Entry e = tokens.get(token);
        if (e == null) {
            return null;
        }
        if (e.expiresAtMs() <= now) {
            tokens.remove(token, e);
            return null;
        }
        tokens.replace(token, e, new Entry(e.username(), now + ttlMs));
        return new AuthInfo(e.username(), currentRevision);
    }

    /**
     * @param token a token a client sent
     * @return the Raft index of its Authenticate entry (the part after the last dot), or -1 if it has none
     */
    static long index(String token) {
        int dot = token.lastIndexOf('.');
        if (dot < 0) {
            return -1;
        }
        try {
            return Long.parseLong(token.substring(dot + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void enable() {
        enabled = true;
    }

    @Override
    public void disable() {
        enabled = false;
        tokens.clear();
    }

    @Override
    public void invalidateUser(String username) {
        tokens.values().removeIf(e -> e.username().equals(username));
    }

    /** @return tokens held now (expired ones not yet swept included) */
    public int size() {
        return tokens.size();
    }
}
