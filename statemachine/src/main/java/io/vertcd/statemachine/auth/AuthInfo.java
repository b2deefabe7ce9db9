package io.vertcd.statemachine.auth;

/**
 * Who a request runs as (etcd auth.AuthInfo): the user name and the auth store revision the user's token was issued
 * at. Carried in every proposed request's header ({@code RequestHeader.username}, {@code auth_revision}) so that
 * apply checks permissions the same way on every member.
 *
 * @param username the user, "" for none
 * @param revision the auth revision of the token, 0 for none
 */
public record AuthInfo(String username, long revision) {
    /** No user: a request without a token. */
    public static final AuthInfo NONE = new AuthInfo("", 0);

    public AuthInfo {
        username = username == null ? "" : username;
    }
}
