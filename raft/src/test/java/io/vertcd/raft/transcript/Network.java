package io.vertcd.raft.transcript;

import io.vertcd.raft.pb.Message;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The messages sent but not yet delivered, in sending order, and the isolated members. A message that crossed a cut
 * link, when it was sent or when it is delivered, is lost: healing the partition does not bring it back.
 */
final class Network {
    /** A message on the wire; {@code lost} if it was sent across a cut link. */
    record InFlight(Message message, boolean lost) {
    }

    private final List<InFlight> inFlight = new ArrayList<>();
    private final Set<Long> isolated = new HashSet<>();

    void send(List<Message> ms) {
        for (Message m : ms) {
            inFlight.add(new InFlight(m, blocks(m)));
        }
    }

    /** Removes and returns the messages addressed to {@code to}, in sending order, each marked lost if it is. */
    List<InFlight> takeFor(long to) {
        List<InFlight> out = new ArrayList<>();
        for (Iterator<InFlight> it = inFlight.iterator(); it.hasNext(); ) {
            InFlight f = it.next();
            if (f.message().getTo() == to) {
                out.add(new InFlight(f.message(), f.lost() || blocks(f.message())));
                it.remove();
            }
        }
        return out;
    }

    void isolate(long id) {
        isolated.add(id);
    }

    void heal() {
        isolated.clear();
    }

    boolean isIsolated(long id) {
        return isolated.contains(id);
    }

    private boolean blocks(Message m) {
        return isolated.contains(m.getFrom()) || isolated.contains(m.getTo());
    }
}
