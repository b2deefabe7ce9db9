package io.vertcd.raft;

import io.vertcd.raft.pb.Message;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The simulated network between members (the server's {@code PeerTransport}): messages in flight, delivered in a
 * random order (which reorders and delays them), and partitions (a message crosses only between members of the same
 * group). Drops and duplicates are decided by the {@link SimCluster} when it delivers.
 */
final class SimNetwork {
    private final List<Message> inFlight = new ArrayList<>();
    private final Map<Long, Integer> group = new HashMap<>();

    void join(long id) {
        group.put(id, 0);
    }

    void send(List<Message> messages) {
        inFlight.addAll(messages);
    }

    int size() {
        return inFlight.size();
    }

    /** @return a random message taken off the network, or null if none is in flight */
    Message takeRandom(Random rnd) {
        return inFlight.isEmpty() ? null : inFlight.remove(rnd.nextInt(inFlight.size()));
    }

    /** @return every message in flight, in sending order, taken off the network */
    List<Message> takeAll() {
        List<Message> all = new ArrayList<>(inFlight);
        inFlight.clear();
        return all;
    }

    boolean connected(long a, long b) {
        return group.get(a).equals(group.get(b));
    }

    int groupOf(long id) {
        return group.get(id);
    }

    void heal() {
        group.replaceAll((id, g) -> 0);
    }

    /** Splits the members into two random groups (possibly all in one). */
    void partition(Random rnd, List<Long> ids) {
        ids.forEach(id -> group.put(id, rnd.nextInt(2)));
    }
}
