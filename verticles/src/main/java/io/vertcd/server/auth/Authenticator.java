package io.vertcd.server.auth;

import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.EtcdException;
import io.vertcd.statemachine.auth.AuthInfo;
import io.vertcd.statemachine.auth.AuthStore;
import io.vertcd.statemachine.auth.TokenProvider;
import io.vertcd.statemachine.pb.RequestHeader;
import java.util.function.Supplier;

/**
 * The member's side of authentication: turns a {@link Caller} into the user its request runs as (etcd
 * AuthInfoFromCtx, then AuthInfoFromTLS), checks read permissions that are decided before a read is served, and
 * holds the token provider, the password hasher and the Authenticate rate limit. Writes are checked when they are
 * applied ({@code RequestPermissions}), with the user and auth revision {@link #stamp stamped} into the request header.
 *
 * <p>A request with a valid token costs one map lookup (simple) or one signature check (jwt); no bcrypt on that path.
 * Thread-safe; any thread.
 */
public final class Authenticator {
    private final Supplier<AuthStore> store;
    private final TokenProvider tokens;
    private final SimpleTokens simpleTokens;
    private final Passwords passwords;
    private final AuthenticateLimiter limiter = new AuthenticateLimiter(System::nanoTime);

    /**
     * @param store the member's current auth store (the one of its current key-value store)
     * @param tokens the token provider plugged into every auth store of this member
     * @param passwords hashes with {@code --bcrypt-cost}
     */
    public Authenticator(Supplier<AuthStore> store, TokenProvider tokens, Passwords passwords) {
        this.store = store;
        this.tokens = tokens;
        this.simpleTokens = tokens instanceof SimpleTokens s ? s : null;
        this.passwords = passwords;
    }

    /** @return the member's current auth store */
    public AuthStore store() {
        return store.get();
    }

    /** @return the password hasher */
    public Passwords passwords() {
        return passwords;
    }

    /** @return the token provider */
    public TokenProvider tokens() {
        return tokens;
    }

    /** @return the random prefix of a new simple token, or "" with JWT tokens (etcd GenTokenPrefix) */
    public String newSimpleTokenPrefix() {
        return simpleTokens == null ? "" : simpleTokens.newPrefix();
    }

    /** @return whether one more Authenticate may be checked now ({@link AuthenticateLimiter}) */
    public boolean tryAuthenticate() {
        return limiter.tryAcquire();
    }

    /**
     * etcd AuthInfoFromCtx + AuthInfoFromTLS: the token's user, else the client certificate's Common Name while auth
     * is enabled, else {@link AuthInfo#NONE}.
     *
     * @throws EtcdException INVALID_AUTH_TOKEN for a token this member does not know (unknown, expired, of a deleted
     *     user, bad signature, malformed)
     */
    public AuthInfo authInfo(Caller caller) throws EtcdException {
        AuthStore s = store.get();
        if (caller.token() != null) {
            AuthInfo info = tokens.info(caller.token(), s.revision());
            if (info == null) {
                throw EtcdError.INVALID_AUTH_TOKEN.exception();
            }
            return info;
        }
        if (caller.commonName() != null && s.isEnabled()) {
            return new AuthInfo(caller.commonName(), s.revision());
        }
        return AuthInfo.NONE;
    }

    /**
     * @return a request header carrying the caller's user and auth revision (etcd processInternalRaftRequestOnce);
     *     Proposals adds the request and member IDs
     * @throws EtcdException INVALID_AUTH_TOKEN
     */
    public RequestHeader stamp(Caller caller) throws EtcdException {
        AuthInfo who = authInfo(caller);
        return RequestHeader.newBuilder().setUsername(who.username()).setAuthRevision(who.revision()).build();
    }

    /**
     * etcd IsAdminPermitted for a caller (checkMembershipOperationPermission, authMaintenanceServer.isAuthenticated):
     * root only while auth is enabled.
     *
     * @throws EtcdException INVALID_AUTH_TOKEN, USER_EMPTY, USER_NOT_FOUND, PERMISSION_DENIED
     */
    public void checkAdmin(Caller caller) throws EtcdException {
        store.get().checkAdmin(authInfo(caller));
    }

    /**
     * etcd isWatchPermitted (api/v3rpc/watch.go): READ on the watched key or range, decided when the watcher is
     * created.
     *
     * @return null if {@code caller} may watch {@code [key, rangeEnd)}, else etcd's cancel reason (the error's text:
     *     invalid auth token, revision of auth store is old, user name is empty, permission denied)
     */
    public String watchRefusal(Caller caller, byte[] key, byte[] rangeEnd) {
        try {
            store.get().checkRange(authInfo(caller), key, rangeEnd);
            return null;
        } catch (EtcdException e) {
            return e.error().message();
        }
    }

    /**
     * etcd doSerialize's last step: a read served with a token whose revision is no longer the store's fails.
     *
     * @throws EtcdException AUTH_OLD_REVISION
     */
    public void checkRevisionAfterRead(AuthInfo who) throws EtcdException {
        if (who.revision() != 0 && who.revision() != store.get().revision()) {
            throw EtcdError.AUTH_OLD_REVISION.exception();
        }
    }
}
