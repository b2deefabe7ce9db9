package io.vertcd.server;

import io.vertcd.raft.pb.Message;
import java.util.List;

/**
 * Carries Raft messages from the local {@link RaftNode} to its peers. The driver calls
 * {@link #send} on its own context, after the Ready's entries are durable, with the messages in
 * the order Raft produced them; an implementation must not block and may drop messages (Raft
 * retransmits), reporting unreachable peers back to Raft later.
 */
public interface Transport {
    /** @param messages messages to peers, each with {@code to} set; may be empty */
    void send(List<Message> messages);
}
