package io.vertcd.statemachine.auth;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.etcd.jetcd.api.AuthDisableResponse;
import io.etcd.jetcd.api.AuthEnableResponse;
import io.etcd.jetcd.api.AuthRoleAddResponse;
import io.etcd.jetcd.api.AuthRoleDeleteResponse;
import io.etcd.jetcd.api.AuthRoleGetResponse;
import io.etcd.jetcd.api.AuthRoleGrantPermissionRequest;
import io.etcd.jetcd.api.AuthRoleGrantPermissionResponse;
import io.etcd.jetcd.api.AuthRoleListResponse;
import io.etcd.jetcd.api.AuthRoleRevokePermissionRequest;
import io.etcd.jetcd.api.AuthRoleRevokePermissionResponse;
import io.etcd.jetcd.api.AuthUserAddResponse;
import io.etcd.jetcd.api.AuthUserChangePasswordResponse;
import io.etcd.jetcd.api.AuthUserDeleteResponse;
import io.etcd.jetcd.api.AuthUserGetResponse;
import io.etcd.jetcd.api.AuthUserGrantRoleRequest;
import io.etcd.jetcd.api.AuthUserGrantRoleResponse;
import io.etcd.jetcd.api.AuthUserListResponse;
import io.etcd.jetcd.api.AuthUserRevokeRoleRequest;
import io.etcd.jetcd.api.AuthUserRevokeRoleResponse;
import io.etcd.jetcd.api.AuthenticateResponse;
import io.etcd.jetcd.api.Permission;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.Role;
import io.etcd.jetcd.api.User;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.EtcdException;
import io.vertcd.statemachine.pb.AuthSnapshot;
import io.vertcd.statemachine.pb.InternalRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * etcd's auth store (auth/store.go): users, roles and their key permissions, the enabled flag and the auth revision.
 *
 * <p>Changed only by applying committed requests ({@link #apply}, on the apply thread), so that every member holds the
 * same store; written with the KvStore's checkpoint ({@link #snapshot()}, restored by {@link #restore}), so it rolls
 * back with the checkpoint and ships in store snapshots. Apply never hashes: passwords arrive bcrypt-hashed by the
 * proposing member (etcd 3.5 hashedPassword). The revision starts at 1 and grows by one with every change, as etcd's
 * (AuthEnable does not change it, AuthDisable does).
 *
 * <p>Reads ({@link #checkRange}, {@link #checkPut}, {@link #user}, ...) are lock-free from any thread: the state is
 * an immutable value replaced as a whole by each change; a user's merged permissions are computed once per state
 * (etcd range_perm_cache.go), so a permission check is a map lookup and a binary search.
 */
public final class AuthStore {
    /** etcd rootUser and rootRole. */
    public static final String ROOT = "root";

    private static final Comparator<String> BYTE_ORDER = (a, b) -> Arrays.compareUnsigned(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    /** One immutable state of the store, with the merged permissions of its users computed on demand. */
    private record State(boolean enabled, long revision, Map<String, User> users, Map<String, Role> roles,
                         ConcurrentHashMap<String, Permissions> merged) {
        State(boolean enabled, long revision, Map<String, User> users, Map<String, Role> roles) {
            this(enabled, revision, users, roles, new ConcurrentHashMap<>());
        }
    }

    /** A user's permissions, the union over its roles (etcd unifiedRangePermissions). */
    private record Permissions(KeyRanges read, KeyRanges write) {
    }

    private volatile State state;
    private TokenProvider tokens = TokenProvider.NONE;

    private AuthStore(State state) {
        this.state = state;
    }

    /** @return an empty store: auth disabled, revision 1, no users or roles */
    public static AuthStore empty() {
        return new AuthStore(new State(false, 1, sorted(), sorted()));
    }

    /** @return the store as it was written by {@link #snapshot()} (a revision of 0 is taken as 1) */
    public static AuthStore restore(AuthSnapshot s) {
        Map<String, User> users = sorted();
        for (User u : s.getUsersList()) {
            users.put(u.getName().toStringUtf8(), u);
        }
        Map<String, Role> roles = sorted();
        for (Role r : s.getRolesList()) {
            roles.put(r.getName().toStringUtf8(), r);
        }
        return new AuthStore(new State(s.getEnabled(), Math.max(1, s.getRevision()), users, roles));
    }

    /** @return the whole store, to write with a checkpoint; any thread */
    public AuthSnapshot snapshot() {
        State s = state;
        return AuthSnapshot.newBuilder().setEnabled(s.enabled()).setRevision(s.revision())
                .addAllUsers(s.users().values()).addAllRoles(s.roles().values()).build();
    }

    private static <V> Map<String, V> sorted() {
        return new TreeMap<>(BYTE_ORDER);
    }

    /**
     * Plugs in the token provider that Authenticate, user deletion, password changes and enable/disable talk to; if
     * auth is enabled, the provider is enabled. Apply thread.
     */
    public void setTokenProvider(TokenProvider provider) {
        this.tokens = Objects.requireNonNull(provider);
        if (state.enabled()) {
            provider.enable();
        }
    }

    /** @return the token provider plugged in */
    public TokenProvider tokenProvider() {
        return tokens;
    }

    /** @return whether auth is enabled; any thread */
    public boolean isEnabled() {
        return state.enabled();
    }

    /** @return the auth revision (etcd authStore.Revision); any thread */
    public long revision() {
        return state.revision();
    }

    /** @return the user named {@code name}, or null; any thread */
    public User user(String name) {
        return state.users().get(name);
    }

    /** @return whether user {@code user} has role {@code role} (etcd HasRole); any thread */
    public boolean hasRole(String user, String role) {
        User u = state.users().get(user);
        return u != null && u.getRolesList().contains(role);
    }

    // ---- permission checks (etcd isOpPermitted / IsAdminPermitted) ------------------------------

    /**
     * etcd IsRangePermitted: READ on the key ({@code rangeEnd} empty) or on {@code [key, rangeEnd)} ("\0": from key).
     *
     * @throws EtcdException USER_EMPTY (no token), AUTH_OLD_REVISION (token older than the store), PERMISSION_DENIED
     */
    public void checkRange(AuthInfo who, byte[] key, byte[] rangeEnd) throws EtcdException {
        check(who, key, rangeEnd, false);
    }

    /** etcd IsPutPermitted: WRITE on the key. @throws EtcdException as {@link #checkRange} */
    public void checkPut(AuthInfo who, byte[] key) throws EtcdException {
        check(who, key, new byte[0], true);
    }

    /** etcd IsDeleteRangePermitted: WRITE on the range. @throws EtcdException as {@link #checkRange} */
    public void checkDeleteRange(AuthInfo who, byte[] key, byte[] rangeEnd) throws EtcdException {
        check(who, key, rangeEnd, true);
    }

    private void check(AuthInfo who, byte[] key, byte[] rangeEnd, boolean write) throws EtcdException {
        State s = state;
        if (!s.enabled()) {
            return;
        }
        if (who.revision() == 0) {
            throw EtcdError.USER_EMPTY.exception();
        }
        if (who.revision() < s.revision()) {
            throw EtcdError.AUTH_OLD_REVISION.exception();
        }
        User u = s.users().get(who.username());
        if (u == null) {
            throw EtcdError.PERMISSION_DENIED.exception();
        }
        if (isRoot(u)) {
            return;
        }
        Permissions p = s.merged().computeIfAbsent(who.username(), name -> merge(s, u));
        KeyRanges ranges = write ? p.write() : p.read();
        boolean ok = rangeEnd.length == 0 ? ranges.containsKey(key) : ranges.containsRange(key, rangeEnd);
        if (!ok) {
            throw EtcdError.PERMISSION_DENIED.exception();
        }
    }

    private static Permissions merge(State s, User u) {
        KeyRanges.Builder read = new KeyRanges.Builder();
        KeyRanges.Builder write = new KeyRanges.Builder();
        for (String roleName : u.getRolesList()) {
            Role role = s.roles().get(roleName);
            if (role == null) {
                continue;
            }
            for (Permission p : role.getKeyPermissionList()) {
                byte[] key = p.getKey().toByteArray();
                byte[] end = p.getRangeEnd().toByteArray();
                switch (p.getPermType()) {
                    case READ -> read.addPermission(key, end);
                    case WRITE -> write.addPermission(key, end);
                    default -> {
                        read.addPermission(key, end);
                        write.addPermission(key, end);
                    }
                }
            }
        }
        return new Permissions(read.build(), write.build());
    }

    private static boolean isRoot(User u) {
        return u.getRolesList().contains(ROOT);
    }

    /**
     * etcd IsAdminPermitted: the user has the root role (always true while auth is disabled).
     *
     * @throws EtcdException USER_EMPTY, USER_NOT_FOUND, PERMISSION_DENIED
     */
    public void checkAdmin(AuthInfo who) throws EtcdException {
        State s = state;
        if (!s.enabled()) {
            return;
        }
        if (who.username().isEmpty()) {
            throw EtcdError.USER_EMPTY.exception();
        }
        User u = s.users().get(who.username());
        if (u == null) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        if (!isRoot(u)) {
            throw EtcdError.PERMISSION_DENIED.exception();
        }
    }

    // ---- apply ----------------------------------------------------------------------------------

    /** @return true for the requests this store applies */
    public static boolean isAuthRequest(InternalRequest.RequestCase c) {
        return c.getNumber() >= InternalRequest.RequestCase.AUTH_ENABLE.getNumber()
                && c.getNumber() <= InternalRequest.RequestCase.ROLE_LIST.getNumber();
    }

    /**
     * Applies an auth request with etcd's checks (etcd authApplierV3.Apply: root needed for every change and for the
     * lists; UserGet for oneself and RoleGet for one's own role need none). Deterministic. Apply thread.
     *
     * @param request an auth request ({@link #isAuthRequest})
     * @param index its Raft index (part of a simple token)
     * @param kvRevision the key-value store's revision, for the response header
     * @return the response (etcd's Auth*Response with {@code header.revision} set)
     * @throws EtcdException etcd's errors: USER_EMPTY, USER_NOT_FOUND, PERMISSION_DENIED (no admin),
     *     ROOT_USER_NOT_EXIST, ROOT_ROLE_NOT_EXIST, USER_ALREADY_EXIST, ROLE_ALREADY_EXIST, ROLE_NOT_FOUND, ROLE_EMPTY,
     *     ROLE_NOT_GRANTED, PERMISSION_NOT_GRANTED, INVALID_AUTH_MGMT, AUTH_NOT_ENABLED, AUTH_FAILED
     */
    public Message apply(InternalRequest request, long index, long kvRevision) throws EtcdException {
        AuthInfo who = new AuthInfo(request.getHeader().getUsername(), request.getHeader().getAuthRevision());
        ResponseHeader header = ResponseHeader.newBuilder().setRevision(kvRevision).build();
        switch (request.getRequestCase()) {
            case AUTHENTICATE, USER_GET, ROLE_GET -> { }
            default -> checkAdmin(who);
        }
        State s = state;
        return switch (request.getRequestCase()) {
            case AUTH_ENABLE -> {
                if (!s.enabled()) {
                    User root = s.users().get(ROOT);
                    if (root == null) {
                        throw EtcdError.ROOT_USER_NOT_EXIST.exception();
                    }
                    if (!isRoot(root)) {
                        throw EtcdError.ROOT_ROLE_NOT_EXIST.exception();
                    }
                    state = new State(true, s.revision(), s.users(), s.roles());
                    tokens.enable();
                }
                yield AuthEnableResponse.newBuilder().setHeader(header).build();
            }
            case AUTH_DISABLE -> {
                if (s.enabled()) {
                    state = new State(false, s.revision() + 1, s.users(), s.roles());
                    tokens.disable();
                }
                yield AuthDisableResponse.newBuilder().setHeader(header).build();
            }
            case AUTHENTICATE -> {
                var r = request.getAuthenticate();
                if (!s.enabled()) {
                    throw EtcdError.AUTH_NOT_ENABLED.exception();
                }
                User u = s.users().get(r.getName());
                if (u == null || u.getPassword().isEmpty()) {
                    throw EtcdError.AUTH_FAILED.exception();
                }
                String token = tokens.assign(r.getName(), s.revision(), r.getSimpleToken(), index);
                yield AuthenticateResponse.newBuilder().setHeader(header).setToken(token).build();
            }
            case USER_ADD -> {
                var r = request.getUserAdd();
                if (r.getName().isEmpty()) {
                    throw EtcdError.USER_EMPTY.exception();
                }
                if (s.users().containsKey(r.getName())) {
                    throw EtcdError.USER_ALREADY_EXIST.exception();
                }
                User u = User.newBuilder().setName(ByteString.copyFromUtf8(r.getName()))
                        .setPassword(r.getNoPassword() ? ByteString.EMPTY : ByteString.copyFromUtf8(r.getHashedPassword()))
                        .build();
                changeUsers(s, u.getName().toStringUtf8(), u);
                yield AuthUserAddResponse.newBuilder().setHeader(header).build();
            }
            case USER_DELETE -> {
                String name = request.getUserDelete().getName();
                if (s.enabled() && ROOT.equals(name)) {
                    throw EtcdError.INVALID_AUTH_MGMT.exception();
                }
                existingUser(s, name);
                changeUsers(s, name, null);
                tokens.invalidateUser(name);
                yield AuthUserDeleteResponse.newBuilder().setHeader(header).build();
            }
            case USER_CHANGE_PASSWORD -> {
                var r = request.getUserChangePassword();
                User u = existingUser(s, r.getName());
                changeUsers(s, r.getName(), u.toBuilder().setPassword(ByteString.copyFromUtf8(r.getHashedPassword())).build());
                tokens.invalidateUser(r.getName());
                yield AuthUserChangePasswordResponse.newBuilder().setHeader(header).build();
            }
            case USER_GRANT_ROLE -> {
                AuthUserGrantRoleRequest r = request.getUserGrantRole();
                User u = existingUser(s, r.getUser());
                if (!ROOT.equals(r.getRole()) && !s.roles().containsKey(r.getRole())) {
                    throw EtcdError.ROLE_NOT_FOUND.exception();
                }
                if (!u.getRolesList().contains(r.getRole())) {
                    List<String> roles = new ArrayList<>(u.getRolesList());
                    roles.add(r.getRole());
                    roles.sort(BYTE_ORDER);
                    changeUsers(s, r.getUser(), u.toBuilder().clearRoles().addAllRoles(roles).build());
                }
                yield AuthUserGrantRoleResponse.newBuilder().setHeader(header).build();
            }
            case USER_REVOKE_ROLE -> {
                AuthUserRevokeRoleRequest r = request.getUserRevokeRole();
                if (s.enabled() && ROOT.equals(r.getName()) && ROOT.equals(r.getRole())) {
                    throw EtcdError.INVALID_AUTH_MGMT.exception();
                }
                User u = existingUser(s, r.getName());
                if (!u.getRolesList().contains(r.getRole())) {
                    throw EtcdError.ROLE_NOT_GRANTED.exception();
                }
                changeUsers(s, r.getName(), withoutRole(u, r.getRole()));
                yield AuthUserRevokeRoleResponse.newBuilder().setHeader(header).build();
            }
            case USER_GET -> {
                String name = request.getUserGet().getName();
                try {
                    checkAdmin(who);
                } catch (EtcdException e) {
                    if (!name.equals(who.username())) {
                        throw e;
                    }
                }
                User u = existingUser(s, name);
                yield AuthUserGetResponse.newBuilder().setHeader(header).addAllRoles(u.getRolesList()).build();
            }
            case USER_LIST -> AuthUserListResponse.newBuilder().setHeader(header).addAllUsers(s.users().keySet()).build();
            case ROLE_ADD -> {
                String name = request.getRoleAdd().getName();
                if (name.isEmpty()) {
                    throw EtcdError.ROLE_EMPTY.exception();
                }
                if (s.roles().containsKey(name)) {
                    throw EtcdError.ROLE_ALREADY_EXIST.exception();
                }
                changeRoles(s, s.users(), name, Role.newBuilder().setName(ByteString.copyFromUtf8(name)).build());
                yield AuthRoleAddResponse.newBuilder().setHeader(header).build();
            }
            case ROLE_DELETE -> {
                String name = request.getRoleDelete().getRole();
                if (s.enabled() && ROOT.equals(name)) {
                    throw EtcdError.INVALID_AUTH_MGMT.exception();
                }
                existingRole(s, name);
                Map<String, User> users = sorted();
                for (Map.Entry<String, User> e : s.users().entrySet()) {
                    User u = e.getValue();
                    users.put(e.getKey(), u.getRolesList().contains(name) ? withoutRole(u, name) : u);
                }
                changeRoles(s, users, name, null);
                yield AuthRoleDeleteResponse.newBuilder().setHeader(header).build();
            }
            case ROLE_GRANT_PERMISSION -> {
                AuthRoleGrantPermissionRequest r = request.getRoleGrantPermission();
                Role role = existingRole(s, r.getName());
                List<Permission> perms = new ArrayList<>(role.getKeyPermissionList());
                Permission p = r.getPerm();
                boolean replaced = false;
                for (int i = 0; i < perms.size(); i++) {
                    Permission q = perms.get(i);
                    if (q.getKey().equals(p.getKey()) && q.getRangeEnd().equals(p.getRangeEnd())) {
                        perms.set(i, q.toBuilder().setPermType(p.getPermType()).build());
                        replaced = true;
                        break;
                    }
                }
                if (!replaced) {
                    perms.add(Permission.newBuilder().setKey(p.getKey()).setRangeEnd(p.getRangeEnd())
                            .setPermType(p.getPermType()).build());
                    perms.sort((a, b) -> ByteString.unsignedLexicographicalComparator().compare(a.getKey(), b.getKey()));
                }
                changeRoles(s, s.users(), r.getName(), role.toBuilder().clearKeyPermission().addAllKeyPermission(perms).build());
                yield AuthRoleGrantPermissionResponse.newBuilder().setHeader(header).build();
            }
            case ROLE_REVOKE_PERMISSION -> {
                AuthRoleRevokePermissionRequest r = request.getRoleRevokePermission();
                Role role = existingRole(s, r.getRole());
                List<Permission> kept = new ArrayList<>();
                for (Permission q : role.getKeyPermissionList()) {
                    if (!q.getKey().equals(r.getKey()) || !q.getRangeEnd().equals(r.getRangeEnd())) {
                        kept.add(q);
                    }
                }
                if (kept.size() == role.getKeyPermissionCount()) {
                    throw EtcdError.PERMISSION_NOT_GRANTED.exception();
                }
                changeRoles(s, s.users(), r.getRole(), role.toBuilder().clearKeyPermission().addAllKeyPermission(kept).build());
                yield AuthRoleRevokePermissionResponse.newBuilder().setHeader(header).build();
            }
            case ROLE_GET -> {
                String name = request.getRoleGet().getRole();
                try {
                    checkAdmin(who);
                } catch (EtcdException e) {
                    if (!hasRole(who.username(), name)) {
                        throw e;
                    }
                }
                Role role = existingRole(s, name);
                yield AuthRoleGetResponse.newBuilder().setHeader(header).addAllPerm(role.getKeyPermissionList()).build();
            }
            case ROLE_LIST -> AuthRoleListResponse.newBuilder().setHeader(header).addAllRoles(s.roles().keySet()).build();
            default -> throw new IllegalArgumentException("not an auth request: " + request.getRequestCase());
        };
    }

    private static User existingUser(State s, String name) throws EtcdException {
        User u = s.users().get(name);
        if (u == null) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        return u;
    }

    private static Role existingRole(State s, String name) throws EtcdException {
        Role r = s.roles().get(name);
        if (r == null) {
            throw EtcdError.ROLE_NOT_FOUND.exception();
        }
        return r;
    }

    private static User withoutRole(User u, String role) {
        List<String> roles = new ArrayList<>(u.getRolesList());
        roles.remove(role);
        return u.toBuilder().clearRoles().addAllRoles(roles).build();
    }

    /** Replaces (or with null removes) one user: a new state at the next revision. */
    private void changeUsers(State s, String name, User u) {
        Map<String, User> users = sorted();
        users.putAll(s.users());
        if (u == null) {
            users.remove(name);
        } else {
            users.put(name, u);
        }
        state = new State(s.enabled(), s.revision() + 1, Collections.unmodifiableMap(users), s.roles());
    }

    /** Replaces (or with null removes) one role, with {@code users}: a new state at the next revision. */
    private void changeRoles(State s, Map<String, User> users, String name, Role r) {
        Map<String, Role> roles = sorted();
        roles.putAll(s.roles());
        if (r == null) {
            roles.remove(name);
        } else {
            roles.put(name, r);
        }
        state = new State(s.enabled(), s.revision() + 1, users, Collections.unmodifiableMap(roles));
    }
}
