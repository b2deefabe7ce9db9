package io.vertcd.server.peer;

import io.vertcd.raft.pb.Message;
import java.nio.file.Path;

/**
 * Takes over a state-machine snapshot received from a peer. Called on the transport's context after
 * every file has been written and fsync'ed under {@code dir}; from then on the directory belongs to the
 * receiver (it moves it into {@code member/snap/} or deletes it).
 */
@FunctionalInterface
public interface SnapshotReceiver {
    /**
     * @param msgSnap the leader's {@code MSG_SNAP} message (snapshot metadata; its data field is what
     *        the sender put there, normally empty, the state machine being in the files)
     * @param dir a fresh directory holding the files under the relative names the sender gave
     */
    void onSnapshot(Message msgSnap, Path dir);
}
