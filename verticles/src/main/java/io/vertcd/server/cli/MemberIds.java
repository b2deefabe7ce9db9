package io.vertcd.server.cli;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Member and cluster IDs derived exactly as etcd 3.4 derives them, so that a vertcd member
 * started with the same flags as an etcd member reports the same IDs.
 *
 * <p>Sources: etcd 3.4 {@code etcdserver/api/membership/member.go} (NewMember) and
 * {@code etcdserver/api/membership/cluster.go} (genID).
 */
public final class MemberIds {
    private MemberIds() {
    }

    /**
     * The member ID of a member of a new cluster: SHA-1 over the member's peer URLs, sorted as
     * strings and concatenated, followed by the cluster token; the first 8 bytes of the digest
     * read big-endian (etcd NewMember with {@code now == nil}).
     *
     * @param peerUrls the member's advertised peer URLs, as given (e.g. {@code http://localhost:2380})
     * @param clusterToken the {@code --initial-cluster-token}
     * @return the member ID (an unsigned 64-bit value held in a long)
     */
    public static long memberId(Collection<String> peerUrls, String clusterToken) {
        List<String> sorted = new ArrayList<>(peerUrls);
        sorted.sort(null); // Go sort.Strings: byte-wise order, which equals UTF-16 order for ASCII URLs
        StringBuilder b = new StringBuilder();
        for (String url : sorted) {
            b.append(url);
        }
        b.append(clusterToken);
        return first8BytesOfSha1(b.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The ID of a member added to a running cluster (etcd NewMember with {@code now}, as
     * Cluster.MemberAdd calls it): as {@link #memberId(Collection, String)} with the Unix time in
     * seconds, in decimal, appended after the token.
     *
     * @param unixSeconds the time of the request, seconds since the epoch
     */
    public static long memberId(Collection<String> peerUrls, String clusterToken, long unixSeconds) {
        return memberId(peerUrls, clusterToken + unixSeconds);
    }

    /**
     * The cluster ID: SHA-1 over the member IDs, sorted as unsigned 64-bit numbers, each as
     * 8 bytes big-endian; the first 8 bytes of the digest read big-endian (etcd genID).
     *
     * @param memberIds the IDs of all members of the initial cluster
     * @return the cluster ID (an unsigned 64-bit value held in a long)
     */
    public static long clusterId(Collection<Long> memberIds) {
        List<Long> sorted = new ArrayList<>(memberIds);
        sorted.sort(Long::compareUnsigned);
        ByteBuffer buf = ByteBuffer.allocate(8 * sorted.size());
        for (long id : sorted) {
            buf.putLong(id);
        }
        return first8BytesOfSha1(buf.array());
    }

    /** @return the ID as etcd prints it: lower-case hex without leading zeros (types.ID.String). */
    public static String toHex(long id) {
        return Long.toHexString(id);
    }

    private static long first8BytesOfSha1(byte[] input) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(input);
            return ByteBuffer.wrap(digest, 0, 8).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every Java platform", e);
        }
    }
}
