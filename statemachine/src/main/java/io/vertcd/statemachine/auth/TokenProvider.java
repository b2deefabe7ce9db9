package io.vertcd.statemachine.auth;

/**
 * Issues and resolves auth tokens (etcd auth.TokenProvider): {@code simple} tokens that every member records when it
 * applies an Authenticate, or signed JWTs. The {@link AuthStore} calls {@link #assign}, {@link #invalidateUser},
 * {@link #enable} and {@link #disable} while applying, on the apply thread; {@link #info} is called by client
 * threads.
 */
public interface TokenProvider {
    /**
     * Issues a token for {@code username} (etcd tokenProvider.assign), while applying an Authenticate.
     *
     * @param username the authenticated user
     * @param revision the auth store revision now
     * @param simpleTokenPrefix the random prefix the proposer chose (InternalAuthenticateRequest.simple_token)
     * @param index the Raft index of the Authenticate entry
     * @return the token the proposer returns to its client
     */
    String assign(String username, long revision, String simpleTokenPrefix, long index);

    /**
     * @param token a token a client sent
     * @param currentRevision the auth store's revision now
     * @return who the token belongs to, or null if it is not valid (unknown, expired, bad signature)
     */
    AuthInfo info(String token, long currentRevision);

    /** Auth was enabled (etcd tokenProvider.enable); nothing to do for a provider that keeps no tokens. */
    default void enable() {
    }

    /** Auth was disabled: forget every token (etcd tokenProvider.disable); nothing to do for one that keeps none. */
    default void disable() {
    }

    /**
     * The user was deleted or its password changed: its tokens stop working (etcd invalidateUser); a provider
     * of self-contained tokens (JWT) cannot take them back, as in etcd.
     */
    default void invalidateUser(String username) {
    }

    /** A provider that issues empty tokens and knows none: for stores nobody serves from (tools, tests). */
    TokenProvider NONE = new TokenProvider() {
        @Override
        public String assign(String username, long revision, String simpleTokenPrefix, long index) {
            return "";
        }

        @Override
        public AuthInfo info(String token, long currentRevision) {
            return null;
        }
    };
}
