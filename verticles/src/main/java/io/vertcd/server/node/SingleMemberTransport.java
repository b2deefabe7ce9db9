package io.vertcd.server.node;

import io.vertcd.raft.node.Transport;

import io.vertcd.raft.pb.Message;
import java.util.List;

/**
 * The transport of a one-member cluster: there is no peer, so Raft never produces a message for
 * one. Receiving one means the membership is not what this member was started with, which is a
 * bug: it fails loudly instead of dropping the message.
 */
public final class SingleMemberTransport implements Transport {
    /** @throws IllegalStateException if any message is addressed to a peer */
    @Override
    public void send(List<Message> messages) {
        if (!messages.isEmpty()) {
            Message m = messages.get(0);
            throw new IllegalStateException("one-member cluster asked to send " + m.getType() + " to member "
                    + Long.toHexString(m.getTo()) + "; peer transport is not built yet");
        }
    }
}
