package io.vertcd.statemachine;

/**
 * The errors vertcd returns to clients, with etcd's gRPC status codes and exact messages.
 *
 * <p>Source: etcd {@code api/v3rpc/rpctypes/error.go} (etcd 3.4). A client such as etcdctl or
 * clientv3 recognises an error by its message string, so the strings must stay byte-for-byte
 * identical to etcd's. The code is the numeric gRPC status code (3 = INVALID_ARGUMENT,
 * 5 = NOT_FOUND, 8 = RESOURCE_EXHAUSTED, 9 = FAILED_PRECONDITION, 11 = OUT_OF_RANGE,
 * 14 = UNAVAILABLE, 4 = DEADLINE_EXCEEDED, 13 = INTERNAL, 7 = PERMISSION_DENIED,
 * 16 = UNAUTHENTICATED), so that this module does not depend
 * on a gRPC library.
 */
public enum EtcdError {
    EMPTY_KEY(3, "etcdserver: key is not provided"),
    KEY_NOT_FOUND(3, "etcdserver: key not found"),
    VALUE_PROVIDED(3, "etcdserver: value is provided"),
    LEASE_PROVIDED(3, "etcdserver: lease is provided"),
    TOO_MANY_OPS(3, "etcdserver: too many operations in txn request"),
    DUPLICATE_KEY(3, "etcdserver: duplicate key given in txn request"),
    COMPACTED(11, "etcdserver: mvcc: required revision has been compacted"),
    FUTURE_REV(11, "etcdserver: mvcc: required revision is a future revision"),
    NO_SPACE(8, "etcdserver: mvcc: database space exceeded"),
    LEASE_NOT_FOUND(5, "etcdserver: requested lease not found"),
    LEASE_EXIST(9, "etcdserver: lease already exists"),
    LEASE_TTL_TOO_LARGE(11, "etcdserver: too large lease TTL"),
    MEMBER_NOT_FOUND(5, "etcdserver: member not found"),
    MEMBER_EXIST(9, "etcdserver: member ID already exist"),
    PEER_URL_EXIST(9, "etcdserver: Peer URLs already exists"),
    MEMBER_BAD_URLS(3, "etcdserver: given member URLs are invalid"),
    MEMBER_NOT_LEARNER(9, "etcdserver: can only promote a learner member"),
    LEARNER_NOT_READY(9, "etcdserver: can only promote a learner member which is in sync with leader"),
    TOO_MANY_LEARNERS(9, "etcdserver: too many learner members in cluster"),
    /** etcd ErrGRPCMemberNotEnoughStarted: a strict reconfiguration check found too few started voters. */
    MEMBER_NOT_ENOUGH_STARTED(9, "etcdserver: re-configuration failed due to not enough started members"),
    /** etcd ErrGRPCUnhealthy: a strict reconfiguration check found this member not connected long enough. */
    UNHEALTHY(14, "etcdserver: unhealthy cluster"),
    /** etcd ErrGPRCNotSupportedForLearner: a learner refuses every RPC but serializable Range and Status. */
    NOT_SUPPORTED_FOR_LEARNER(14, "etcdserver: rpc not supported for learner"),
    REQUEST_TOO_LARGE(3, "etcdserver: request is too large"),
    NO_LEADER(14, "etcdserver: no leader"),
    NOT_LEADER(9, "etcdserver: not leader"),
    BAD_LEADER_TRANSFEREE(9, "etcdserver: bad leader transferee"),
    TIMEOUT_LEADER_TRANSFER(14, "etcdserver: request timed out, leader transfer took too long"),
    LEADER_CHANGED(14, "etcdserver: leader changed"),
    STOPPED(14, "etcdserver: server stopped"),
    TIMEOUT(14, "etcdserver: request timed out"),
    TIMEOUT_DUE_TO_LEADER_FAIL(14, "etcdserver: request timed out, possibly due to previous leader failure"),
    TOO_MANY_REQUESTS(8, "etcdserver: too many requests"),
    CORRUPT(15, "etcdserver: corrupt cluster"),
    NOT_CAPABLE(3, "etcdserver: not capable"),
    ROOT_USER_NOT_EXIST(9, "etcdserver: root user does not exist"),
    ROOT_ROLE_NOT_EXIST(9, "etcdserver: root user does not have root role"),
    USER_ALREADY_EXIST(9, "etcdserver: user name already exists"),
    USER_EMPTY(3, "etcdserver: user name is empty"),
    USER_NOT_FOUND(9, "etcdserver: user name not found"),
    ROLE_ALREADY_EXIST(9, "etcdserver: role name already exists"),
    ROLE_NOT_FOUND(9, "etcdserver: role name not found"),
    ROLE_EMPTY(3, "etcdserver: role name is empty"),
    AUTH_FAILED(3, "etcdserver: authentication failed, invalid user ID or password"),
    /** gRPC PERMISSION_DENIED (7). */
    PERMISSION_DENIED(7, "etcdserver: permission denied"),
    ROLE_NOT_GRANTED(9, "etcdserver: role is not granted to the user"),
    PERMISSION_NOT_GRANTED(9, "etcdserver: permission is not granted to the role"),
    AUTH_NOT_ENABLED(9, "etcdserver: authentication is not enabled"),
    /** gRPC UNAUTHENTICATED (16). */
    INVALID_AUTH_TOKEN(16, "etcdserver: invalid auth token"),
    INVALID_AUTH_MGMT(3, "etcdserver: invalid auth management"),
    AUTH_OLD_REVISION(3, "etcdserver: revision of auth store is old"),
    /**
     * vertcd's own (etcd has no limit): this member answered more Authenticate requests in the last second than
     * {@code AuthenticateLimiter} allows. gRPC RESOURCE_EXHAUSTED.
     */
    TOO_MANY_AUTHENTICATE(8, "vertcd: too many authenticate requests, try again later"),
    /**
     * vertcd's own, no etcd error: a txn nests more than {@link RequestLimits#MAX_TXN_DEPTH} levels (etcd has no depth
     * limit, but with its default --max-txn-ops it refuses such a txn with TOO_MANY_OPS first).
     */
    TXN_TOO_DEEP(3, "vertcd: txn request nested deeper than " + RequestLimits.MAX_TXN_DEPTH + " levels"),
    /**
     * vertcd's own, no etcd error (etcd panics instead): applying the committed request failed unexpectedly, on every
     * member alike; nothing of it was applied (KvStore.apply, StoreApplier). gRPC INTERNAL.
     */
    APPLY_FAILED(13, "vertcd: the request could not be applied");

    private final int grpcCode;
    private final String message;

    EtcdError(int grpcCode, String message) {
        this.grpcCode = grpcCode;
        this.message = message;
    }

    /** @return the numeric gRPC status code etcd uses for this error. */
    public int grpcCode() {
        return grpcCode;
    }

    /** @return etcd's exact error message, e.g. {@code "etcdserver: key is not provided"}. */
    public String message() {
        return message;
    }

    /** @return a new exception carrying this error. */
    public EtcdException exception() {
        return new EtcdException(this);
    }

    /**
     * @param message an error message as etcd sends it (a gRPC status message)
     * @return the error with exactly that message, if there is one
     */
    public static java.util.Optional<EtcdError> fromMessage(String message) {
        for (EtcdError e : values()) {
            if (e.message.equals(message)) {
                return java.util.Optional.of(e);
            }
        }
        return java.util.Optional.empty();
    }
}
