package io.vertcd.raft.node;

import io.vertcd.raft.pb.Message;

import java.util.List;

/**
 * Carries Raft messages from this member to its peers. The {@link ReadyLoop} calls {@link #send} on the driver's
 * thread with the messages in the order the core produced them, and only with messages that may leave at that
 * moment ({@link io.vertcd.raft.Ready#outbox(long)}). An implementation must not block and may drop messages (Raft
 * retransmits); it reports unreachable peers and snapshot outcomes back to the core later, on the driver's thread.
 */
public interface Transport {
    /** @param messages messages to peers, each with {@code to} set; may be empty */
    void send(List<Message> messages);
}
