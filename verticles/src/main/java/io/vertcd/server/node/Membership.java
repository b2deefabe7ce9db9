package io.vertcd.server.node;

import io.vertcd.server.cli.ClusterMember;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etcd.jetcd.api.Member;
import io.vertcd.raft.pb.ConfChange;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * The cluster's members as the applied log defines them (etcd membership.RaftCluster): ID, name, peer
 * URLs, client URLs (known for members that gave them), learner flag, and the IDs ever removed
 * (etcd refuses to re-add them). The founding members come from {@code --initial-cluster} (the
 * bootstrap conf changes carry no context); every later change is a Raft ConfChange whose
 * {@code context} is the etcd {@link Member} it adds, promotes or updates, applied in log order by
 * {@link #apply}.
 *
 * <p>Persistence: {@link #write} stores the table with the Raft index it reflects (at each
 * checkpoint, and in store snapshots); on restart the conf changes after that index are applied again,
 * and those at or below it are skipped. File format: {@code int magic, int format, long index, int n,
 * n x (int length, Member bytes), int r, r x long removedId, int crc32} over everything before the
 * CRC. Not thread-safe: the Raft driver owns it; {@link #members()} returns an immutable copy.
 */
public final class Membership {
    /** File name inside {@code member/} and inside a store snapshot. */
    public static final String FILE_NAME = "members";
    private static final int MAGIC = 0x76636d62; // "vcmb"
    private static final int FORMAT = 1;

    private final TreeMap<Long, Member> byId = new TreeMap<>(Long::compareUnsigned);
    private final Set<Long> removed = new HashSet<>();
    private long index;

    private Membership() {
    }

    /** @return the founding members of {@code --initial-cluster} as voters, at index 0 */
    public static Membership initial(Collection<ClusterMember> members) {
        Membership m = new Membership();
        for (ClusterMember c : members) {
            Member.Builder b = Member.newBuilder().setID(c.id()).setName(c.name());
            c.peerUrls().forEach(u -> b.addPeerURLs(u.toString()));
            m.byId.put(c.id(), b.build());
        }
        return m;
    }

    /** @return a table holding {@code members} (e.g. fetched from a running cluster), at index 0 */
    public static Membership of(Collection<Member> members) {
        Membership m = new Membership();
        members.forEach(x -> m.byId.put(x.getID(), x));
        return m;
    }

    /** @return the Raft index of the last conf change reflected */
    public long index() {
        return index;
    }

    /** @return the members sorted by ID as unsigned numbers (etcd MembersByID) */
    public List<Member> members() {
        return List.copyOf(byId.values());
    }

    /** @return the member, or null */
    public Member get(long id) {
        return byId.get(id);
    }

    /** @return true when {@code id} was removed from the cluster */
    public boolean isRemoved(long id) {
        return removed.contains(id);
    }

    /** @return the member other than {@code exceptId} advertising one of {@code peerUrls}, or null */
    public Member peerUrlOwner(Collection<String> peerUrls, long exceptId) {
        for (Member m : byId.values()) {
            if (m.getID() != exceptId) {
                for (String u : m.getPeerURLsList()) {
                    if (peerUrls.contains(u)) {
                        return m;
                    }
                }
            }
        }
        return null;
    }

    /** @return the first peer URL of every member but {@code self}, by ID */
    public Map<Long, URI> peerUrls(long self) {
        Map<Long, URI> out = new TreeMap<>(Long::compareUnsigned);
        for (Member m : byId.values()) {
            if (m.getID() != self && m.getPeerURLsCount() > 0) {
                out.put(m.getID(), URI.create(m.getPeerURLs(0)));
            }
        }
        return out;
    }

    /**
     * Applies a committed conf change at {@code entryIndex} (skipped at or below {@link #index()}).
     * ADD_NODE adds the context's member as a voter, or promotes it when it is a learner (etcd
     * PromoteMember); ADD_LEARNER_NODE adds it as a learner; UPDATE_NODE replaces whichever of peer
     * URLs, name and client URLs the context gives (Cluster.MemberUpdate gives peer URLs; a member
     * publishing its attributes gives its name and client URLs, etcd server.go publish);
     * REMOVE_NODE removes it and remembers the ID. A change without context for a member not in the
     * table (the bootstrap entries) adds nothing.
     *
     * @return true when the table changed
     * @throws InvalidProtocolBufferException when the context is not a Member
     */
    public boolean apply(ConfChange cc, long entryIndex) throws InvalidProtocolBufferException {
        if (entryIndex <= index) {
            return false;
        }
        index = entryIndex;
        long id = cc.getNodeId();
        Member ctx = cc.getContext().isEmpty() ? null : Member.parseFrom(cc.getContext());
        Member cur = byId.get(id);
        switch (cc.getType()) {
            case CONF_CHANGE_ADD_NODE -> {
                if (cur != null) {
                    if (!cur.getIsLearner()) {
                        return false; // a founder's bootstrap entry, or a voter already
                    }
                    byId.put(id, cur.toBuilder().setIsLearner(false).build());
                } else if (ctx != null) {
                    byId.put(id, ctx.toBuilder().setIsLearner(false).build());
                } else {
                    return false;
                }
            }
            case CONF_CHANGE_ADD_LEARNER_NODE -> {
                if (ctx == null) {
                    return false;
                }
                byId.put(id, ctx.toBuilder().setIsLearner(true).build());
            }
            case CONF_CHANGE_UPDATE_NODE -> {
                return cur != null && ctx != null && update(cur, ctx);
            }
            case CONF_CHANGE_REMOVE_NODE -> {
                removed.add(id);
                return byId.remove(id) != null;
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * Applies a member's published attributes, committed at {@code entryIndex} (skipped at or below
     * {@link #index()}): its name and client URLs (etcd server.go publish, applied by etcd's
     * RaftCluster.UpdateAttributes). Attributes of a member not in the table (removed meanwhile) are ignored.
     *
     * @param id the member
     * @param name its {@code --name}
     * @param clientUrls its {@code --advertise-client-urls}
     * @return true when the table changed
     */
    public boolean applyAttributes(long id, String name, List<String> clientUrls, long entryIndex) {
        if (entryIndex <= index) {
            return false;
        }
        index = entryIndex;
        Member cur = byId.get(id);
        return cur != null && update(cur, Member.newBuilder().setID(id).setName(name).addAllClientURLs(clientUrls).build());
    }

    /** Replaces whichever of peer URLs, name and client URLs {@code ctx} gives; @return true when that changed the table. */
    private boolean update(Member cur, Member ctx) {
        Member.Builder b = cur.toBuilder();
        if (ctx.getPeerURLsCount() > 0) {
            b.clearPeerURLs().addAllPeerURLs(ctx.getPeerURLsList());
        }
        if (!ctx.getName().isEmpty()) {
            b.setName(ctx.getName());
        }
        if (ctx.getClientURLsCount() > 0) {
            b.clearClientURLs().addAllClientURLs(ctx.getClientURLsList());
        }
        Member updated = b.build();
        if (updated.equals(cur)) {
            return false;
        }
        byId.put(cur.getID(), updated);
        return true;
    }

    /** @return an independent copy */
    public Membership copy() {
        Membership m = new Membership();
        m.byId.putAll(byId);
        m.removed.addAll(removed);
        m.index = index;
        return m;
    }

    /**
     * Writes the table to {@code file} atomically and durably (temporary file, fsync, rename, fsync
     * of the directory). Blocking I/O.
     */
    public void write(Path file) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(MAGIC);
        out.writeInt(FORMAT);
        out.writeLong(index);
        out.writeInt(byId.size());
        for (Member m : byId.values()) {
            byte[] b = m.toByteArray();
            out.writeInt(b.length);
            out.write(b);
        }
        out.writeInt(removed.size());
        for (long id : removed) {
            out.writeLong(id);
        }
        out.flush();
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        out.writeInt((int) crc.getValue());
        out.flush();
        io.vertcd.statemachine.DurableFiles.replace(file, bytes.toByteArray());
    }

    /**
     * @return the table stored in {@code file}, or null when the file does not exist
     * @throws IOException when it cannot be read, is truncated or fails its CRC
     */
    public static Membership read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        byte[] all = Files.readAllBytes(file);
        if (all.length < 4) {
            throw new IOException("truncated " + file);
        }
        CRC32 crc = new CRC32();
        crc.update(all, 0, all.length - 4);
        if ((int) crc.getValue() != ByteBuffer.wrap(all, all.length - 4, 4).getInt()) {
            throw new IOException("CRC mismatch in " + file);
        }
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(all, 0, all.length - 4))) {
            if (in.readInt() != MAGIC || in.readInt() != FORMAT) {
                throw new IOException("not a vertcd members file: " + file);
            }
            Membership m = new Membership();
            m.index = in.readLong();
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                Member x = Member.parseFrom(in.readNBytes(in.readInt()));
                m.byId.put(x.getID(), x);
            }
            int r = in.readInt();
            for (int i = 0; i < r; i++) {
                m.removed.add(in.readLong());
            }
            return m;
        }
    }

    /** @return the IDs of the learners */
    public List<Long> learners() {
        List<Long> out = new ArrayList<>();
        byId.values().stream().filter(Member::getIsLearner).forEach(m -> out.add(m.getID()));
        return out;
    }
}
