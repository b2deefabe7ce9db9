package io.vertcd.server.peer;

/**
 * A {@link PeerCall} got no usable answer: the member is not a peer, could not be reached in time,
 * or answered with something other than a response or one of etcd's errors.
 */
public final class PeerCallException extends RuntimeException {
    PeerCallException(String message) {
        super(message);
    }

    PeerCallException(String message, Throwable cause) {
        super(message, cause);
    }
}
