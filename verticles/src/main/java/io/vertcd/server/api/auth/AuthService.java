package io.vertcd.server.api.auth;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.*;
import io.vertcd.server.api.GrpcRoutes;
import io.vertcd.server.auth.Authenticator;
import io.vertcd.server.auth.Caller;
import io.vertcd.server.auth.Passwords;
import io.vertcd.server.node.Proposals;
import io.vertcd.server.node.ResponseHeaders;
import io.vertcd.statemachine.ApplyResult;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.EtcdException;
import io.vertcd.statemachine.auth.AuthStore;
import io.vertcd.statemachine.pb.InternalAuthenticateRequest;
import io.vertcd.statemachine.pb.InternalRequest;
import io.vertcd.statemachine.pb.InternalUserAddRequest;
import io.vertcd.statemachine.pb.InternalUserChangePasswordRequest;
import io.vertcd.statemachine.pb.RequestHeader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * etcd's {@code etcdserverpb.Auth} service (etcdserver/v3_server.go, api/v3rpc/auth.go): every request goes through
 * Raft and is applied to the auth store on every member, with the caller's user and auth revision in its header;
 * the apply decides permissions (root for every change and for the lists) and answers etcd's errors.
 *
 * <p>Passwords are bcrypt-hashed here, on a worker thread, before the request is proposed (etcd 3.5's
 * hashedPassword), so apply never hashes. Authenticate checks the password here (worker thread, rate-limited per
 * member by {@link io.vertcd.server.auth.AuthenticateLimiter}) and then proposes the Authenticate without the
 * password; the token is assigned when it is applied (etcd 3.4). A change of the auth store before the password check
 * finishes makes Authenticate check again, as etcd's loop does. UserAdd reads etcd 3.4's
 * {@code options.no_password} (field 3, which jetcd's rpc.proto lacks) from the request's unknown fields.
 */
public final class AuthService {
    private static final String SERVICE = "Auth";
    /** etcd AuthUserAddRequest.options (authpb.UserAddOptions), absent from jetcd's rpc.proto. */
    private static final int USER_ADD_OPTIONS_FIELD = 3;
    /** authpb.UserAddOptions.no_password. */
    private static final int NO_PASSWORD_FIELD = 1;

    private final Vertx vertx;
    private final Proposals proposals;
    private final ResponseHeaders headers;
    private final Authenticator auth;

    /**
     * @param vertx for the worker threads that run bcrypt
     * @param proposals where the requests are proposed
     * @param headers the member's response headers
     * @param auth the member's authenticator
     */
    public AuthService(Vertx vertx, Proposals proposals, ResponseHeaders headers, Authenticator auth) {
        this.vertx = vertx;
        this.proposals = proposals;
        this.headers = headers;
        this.auth = auth;
    }

    /** Registers every Auth method. */
    public void register(GrpcRoutes routes) {
        routes.authorized(SERVICE, "AuthEnable", AuthEnableRequest.getDefaultInstance(),
                        (Caller c, AuthEnableRequest r) -> this.<AuthEnableResponse>propose(c, InternalRequest.newBuilder().setAuthEnable(r)))
                .authorized(SERVICE, "AuthDisable", AuthDisableRequest.getDefaultInstance(),
                        (Caller c, AuthDisableRequest r) -> this.<AuthDisableResponse>propose(c, InternalRequest.newBuilder().setAuthDisable(r)))
                .authorized(SERVICE, "Authenticate", AuthenticateRequest.getDefaultInstance(), this::authenticate)
                .authorized(SERVICE, "UserAdd", AuthUserAddRequest.getDefaultInstance(), this::userAdd)
                .authorized(SERVICE, "UserGet", AuthUserGetRequest.getDefaultInstance(),
                        (Caller c, AuthUserGetRequest r) -> this.<AuthUserGetResponse>propose(c, InternalRequest.newBuilder().setUserGet(r)))
                .authorized(SERVICE, "UserList", AuthUserListRequest.getDefaultInstance(),
                        (Caller c, AuthUserListRequest r) -> this.<AuthUserListResponse>propose(c, InternalRequest.newBuilder().setUserList(r)))
                .authorized(SERVICE, "UserDelete", AuthUserDeleteRequest.getDefaultInstance(),
                        (Caller c, AuthUserDeleteRequest r) -> this.<AuthUserDeleteResponse>propose(c, InternalRequest.newBuilder().setUserDelete(r)))
                .authorized(SERVICE, "UserChangePassword", AuthUserChangePasswordRequest.getDefaultInstance(), this::userChangePassword)
                .authorized(SERVICE, "UserGrantRole", AuthUserGrantRoleRequest.getDefaultInstance(),
                        (Caller c, AuthUserGrantRoleRequest r) -> this.<AuthUserGrantRoleResponse>propose(c, InternalRequest.newBuilder().setUserGrantRole(r)))
                .authorized(SERVICE, "UserRevokeRole", AuthUserRevokeRoleRequest.getDefaultInstance(),
                        (Caller c, AuthUserRevokeRoleRequest r) -> this.<AuthUserRevokeRoleResponse>propose(c, InternalRequest.newBuilder().setUserRevokeRole(r)))
                .authorized(SERVICE, "RoleAdd", AuthRoleAddRequest.getDefaultInstance(),
                        (Caller c, AuthRoleAddRequest r) -> this.<AuthRoleAddResponse>propose(c, InternalRequest.newBuilder().setRoleAdd(r)))
                .authorized(SERVICE, "RoleGet", AuthRoleGetRequest.getDefaultInstance(),
                        (Caller c, AuthRoleGetRequest r) -> this.<AuthRoleGetResponse>propose(c, InternalRequest.newBuilder().setRoleGet(r)))
                .authorized(SERVICE, "RoleList", AuthRoleListRequest.getDefaultInstance(),
                        (Caller c, AuthRoleListRequest r) -> this.<AuthRoleListResponse>propose(c, InternalRequest.newBuilder().setRoleList(r)))
                .authorized(SERVICE, "RoleDelete", AuthRoleDeleteRequest.getDefaultInstance(),
                        (Caller c, AuthRoleDeleteRequest r) -> this.<AuthRoleDeleteResponse>propose(c, InternalRequest.newBuilder().setRoleDelete(r)))
                .authorized(SERVICE, "RoleGrantPermission", AuthRoleGrantPermissionRequest.getDefaultInstance(),
                        (Caller c, AuthRoleGrantPermissionRequest r) -> this.<AuthRoleGrantPermissionResponse>propose(c, InternalRequest.newBuilder().setRoleGrantPermission(r)))
                .authorized(SERVICE, "RoleRevokePermission", AuthRoleRevokePermissionRequest.getDefaultInstance(),
                        (Caller c, AuthRoleRevokePermissionRequest r) -> this.<AuthRoleRevokePermissionResponse>propose(c, InternalRequest.newBuilder().setRoleRevokePermission(r)));
    }

    /**
     * Auth.Authenticate: rate limit, password check on a worker thread, then the Authenticate proposal.
     *
     * @throws EtcdException AUTH_NOT_ENABLED, AUTH_FAILED, TOO_MANY_AUTHENTICATE
     */
    public Future<AuthenticateResponse> authenticate(Caller caller, AuthenticateRequest r) throws EtcdException {
        AuthStore store = auth.store();
        if (!store.isEnabled()) {
            throw EtcdError.AUTH_NOT_ENABLED.exception();
        }
        User user = store.user(r.getName());
        if (user == null || user.getPassword().isEmpty()) {
            throw EtcdError.AUTH_FAILED.exception();
        }
        if (!auth.tryAuthenticate()) {
            throw EtcdError.TOO_MANY_AUTHENTICATE.exception();
        }
        long checkedRevision = store.revision();
        String hash = user.getPassword().toStringUtf8();
        return vertx.executeBlocking(() -> Passwords.check(hash, r.getPassword()), false).compose(ok -> {
            if (!ok) {
                return Future.failedFuture(EtcdError.AUTH_FAILED.exception());
            }
            InternalRequest.Builder req = InternalRequest.newBuilder().setAuthenticate(InternalAuthenticateRequest.newBuilder()
                    .setName(r.getName()).setSimpleToken(auth.newSimpleTokenPrefix()));
            return this.<AuthenticateResponse>proposeAs(RequestHeader.getDefaultInstance(), req).compose(resp -> {
                if (auth.store().revision() != checkedRevision) {
                    try {
                        return authenticate(caller, r); // the store changed meanwhile: check again (etcd Authenticate loop)
                    } catch (EtcdException e) {
                        return Future.failedFuture(e);
                    }
                }
                return Future.succeededFuture(resp);
            });
        });
    }

    /** Auth.UserAdd: the password hashed on a worker thread unless {@code options.no_password}. */
    public Future<AuthUserAddResponse> userAdd(Caller caller, AuthUserAddRequest r) throws EtcdException {
        RequestHeader header = auth.stamp(caller);
        if (r.getName().isEmpty()) {
            throw EtcdError.USER_EMPTY.exception();
        }
        auth.store().checkAdmin(new io.vertcd.statemachine.auth.AuthInfo(header.getUsername(), header.getAuthRevision()));
        boolean noPassword = noPassword(r);
        Future<String> hashed = noPassword ? Future.succeededFuture("")
                : vertx.executeBlocking(() -> auth.passwords().hash(r.getPassword()), false);
        return hashed.compose(h -> proposeAs(header, InternalRequest.newBuilder().setUserAdd(InternalUserAddRequest.newBuilder()
                .setName(r.getName()).setHashedPassword(h).setNoPassword(noPassword))));
    }

    /** Auth.UserChangePassword: the new password hashed on a worker thread. */
    public Future<AuthUserChangePasswordResponse> userChangePassword(Caller caller, AuthUserChangePasswordRequest r)
            throws EtcdException {
        RequestHeader header = auth.stamp(caller);
        auth.store().checkAdmin(new io.vertcd.statemachine.auth.AuthInfo(header.getUsername(), header.getAuthRevision()));
        return vertx.executeBlocking(() -> auth.passwords().hash(r.getPassword()), false)
                .compose(h -> proposeAs(header, InternalRequest.newBuilder().setUserChangePassword(
                        InternalUserChangePasswordRequest.newBuilder().setName(r.getName()).setHashedPassword(h))));
    }

    /** @return etcd 3.4's AuthUserAddRequest.options.no_password, read from the unknown field 3 */
    static boolean noPassword(AuthUserAddRequest r) {
        UnknownFieldSet.Field options = r.getUnknownFields().getField(USER_ADD_OPTIONS_FIELD);
        if (options == null || options.getLengthDelimitedList().isEmpty()) {
            return false;
        }
        ByteString last = options.getLengthDelimitedList().get(options.getLengthDelimitedList().size() - 1);
        try {
            UnknownFieldSet fields = UnknownFieldSet.parseFrom(last);
            UnknownFieldSet.Field flag = fields.getField(NO_PASSWORD_FIELD);
            return flag != null && !flag.getVarintList().isEmpty() && flag.getVarintList().get(flag.getVarintList().size() - 1) != 0;
        } catch (InvalidProtocolBufferException e) {
            return false;
        }
    }

    private <T extends Message> Future<T> propose(Caller caller, InternalRequest.Builder request) throws EtcdException {
        return proposeAs(auth.stamp(caller), request);
    }

    @SuppressWarnings("unchecked")
    private <T extends Message> Future<T> proposeAs(RequestHeader header, InternalRequest.Builder request) {
        return proposals.propose(request.setHeader(header).build(), -1).compose((ApplyResult result) -> {
            if (result.error() != null) {
                return Future.failedFuture(result.error());
            }
            return Future.succeededFuture((T) headers.fill(result.response()));
        });
    }
}
