package io.vertcd.server.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The member and cluster IDs a data directory was bootstrapped with, kept in
 * {@code <data-dir>/member/identity}. etcd stores them in its WAL metadata and, on restart,
 * uses them rather than recomputing from the flags (which may have changed); this file plays that
 * role. Written once, atomically (temporary file, fsync, rename, fsync of the directory).
 * Blocking I/O: never call on an event loop.
 *
 * @param memberId the member ID (unsigned 64-bit)
 * @param clusterId the cluster ID (unsigned 64-bit)
 */
public record MemberIdentity(long memberId, long clusterId) {
    /** File name inside {@code <data-dir>/member}. */
    public static final String FILE_NAME = "identity";

    /**
     * @param memberDir {@code <data-dir>/member}
     * @return the stored identity, or null if the file does not exist
     * @throws IOException if it exists but cannot be read or parsed
     */
    public static MemberIdentity load(Path memberDir) throws IOException {
        Path file = memberDir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return null;
        }
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        String member = p.getProperty("member-id");
        String cluster = p.getProperty("cluster-id");
        if (member == null || cluster == null) {
            throw new IOException("corrupt " + file + ": member-id and cluster-id are required");
        }
        try {
            return new MemberIdentity(Long.parseUnsignedLong(member, 16), Long.parseUnsignedLong(cluster, 16));
        } catch (NumberFormatException e) {
            throw new IOException("corrupt " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Durably writes this identity to {@code <memberDir>/identity}, creating the directory.
     *
     * @throws IOException on any I/O failure
     */
    public void store(Path memberDir) throws IOException {
        Files.createDirectories(memberDir);
        String text = "member-id=" + Long.toHexString(memberId) + "\ncluster-id=" + Long.toHexString(clusterId) + "\n";
        io.vertcd.statemachine.DurableFiles.replace(memberDir.resolve(FILE_NAME), text.getBytes(StandardCharsets.UTF_8));
    }
}
