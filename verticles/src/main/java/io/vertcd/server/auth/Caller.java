package io.vertcd.server.auth;

import io.vertx.core.MultiMap;

/**
 * What a client presented about who it is, before it is checked: the auth token of its request and, over TLS with
 * a client certificate, the certificate's Common Name. The one place where identity is read from a request: gRPC
 * calls use {@link #fromHeaders} on their metadata; the JSON gateway passes its HTTP headers to the same method
 * (etcd accepts the token in the gRPC metadata {@code token} or, from the gateway, {@code authorization}:
 * rpctypes.TokenFieldNameGRPC / TokenFieldNameSwagger, auth/store.go AuthInfoFromCtx).
 *
 * <p>{@link Authenticator#authInfo} turns a caller into the user a request runs as.
 *
 * @param token the token, or null when the request carries none
 * @param commonName the verified client certificate's Common Name, or null (no TLS client certificate); the TLS
 *     layer fills it (etcd AuthInfoFromTLS), used only when there is no token
 */
public record Caller(String token, String commonName) {
    /** gRPC metadata key of the token (etcd rpctypes.TokenFieldNameGRPC). */
    public static final String TOKEN_HEADER = "token";
    /** HTTP header of the token from the gateway (etcd rpctypes.TokenFieldNameSwagger). */
    public static final String AUTHORIZATION_HEADER = "authorization";
    /** A request with no token and no client certificate. */
    public static final Caller ANONYMOUS = new Caller(null, null);

    /**
     * @param headers gRPC metadata or HTTP request headers (names are case-insensitive)
     * @param commonName the verified client certificate's Common Name, or null
     * @return the caller: the {@code token} header, else the {@code authorization} header, else no token
     */
    public static Caller fromHeaders(MultiMap headers, String commonName) {
        String token = headers.get(TOKEN_HEADER);
        if (token == null) {
            token = headers.get(AUTHORIZATION_HEADER);
        }
        if (token == null && commonName == null) {
            return ANONYMOUS;
        }
        return new Caller(token, commonName);
    }

    /** @return a caller with only a token (tests, internal callers) */
    public static Caller withToken(String token) {
        return new Caller(token, null);
    }
}
