package io.vertcd.tests.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.Client;
import io.vertcd.tests.Etcdctl;
import io.vertcd.tests.Jetcd;
import io.vertcd.tests.MemberKind;
import io.vertcd.tests.MemberProcess;
import io.vertcd.tests.Ports;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import io.vertcd.tests.cluster.ClusterProcess;
import org.junit.jupiter.api.Test;

/**
 * Migration through etcd's snapshot file, both ways: a store saved with {@code etcdctl snapshot save} from one server
 * and restored on the other serves every key, revision and lease as the original did.
 */
class SnapshotMigrationTest {
    private static final Path WORK = Path.of(System.getProperty("user.dir"), "target", "e2e-data");

    @Test
    void vertcdSnapshotRestoresIntoEtcd() throws Exception {
        Files.createDirectories(WORK);
        Path file = Files.createTempFile(WORK, "vertcd-snapshot-", ".db");
        Files.delete(file);
        List<String> expected;
        long compacted;
        try (MemberProcess vertcd = MemberProcess.create(MemberKind.VERTCD, "source").start();
             Client c = Jetcd.client(vertcd)) {
            compacted = KubeLikeDataSet.load(c);
            expected = KubeLikeDataSet.fingerprint(c, vertcd.etcdctl(), compacted);
            Etcdctl.Result saved = vertcd.etcdctl().run("snapshot", "save", file.toString());
            assertTrue(saved.ok(), saved.toString());
            Etcdctl.Result status = vertcd.etcdctl().run("snapshot", "status", file.toString(), "-w", "json");
            assertTrue(status.ok(), status.toString());
            assertTrue(status.stdout().contains("\"revision\":" + expected.get(0).substring("revision ".length()) + ","),
                    status.stdout());
        }
        int clientPort = Ports.next();
        int peerPort = Ports.next();
        try (MemberProcess etcd = MemberProcess.create(MemberKind.ETCD, "restored", "restored-token", clientPort, peerPort)) {
            Etcdctl.Result restored = etcd.etcdctl().run("snapshot", "restore", file.toString(), "--name", "restored",
                    "--data-dir", etcd.dataDir().toString(), "--initial-cluster", "restored=" + etcd.peerUrl(),
                    "--initial-cluster-token", "restored-token", "--initial-advertise-peer-urls", etcd.peerUrl());
            assertTrue(restored.ok(), restored.toString());
            etcd.start();
            try (Client c = Jetcd.client(etcd)) {
                assertEquals(expected, KubeLikeDataSet.fingerprint(c, etcd.etcdctl(), compacted));
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void etcdSnapshotRestoresIntoAThreeMemberVertcdCluster() throws Exception {
        Files.createDirectories(WORK);
        Path file = Files.createTempFile(WORK, "etcd-snapshot-", ".db");
        Files.delete(file);
        List<String> expected;
        long compacted;
        try (MemberProcess etcd = MemberProcess.create(MemberKind.ETCD, "source").start();
             Client c = Jetcd.client(etcd)) {
            compacted = KubeLikeDataSet.load(c);
            expected = KubeLikeDataSet.fingerprint(c, etcd.etcdctl(), compacted);
            Etcdctl.Result saved = etcd.etcdctl().run("snapshot", "save", file.toString());
            assertTrue(saved.ok(), saved.toString());
            // vertcd's status reads etcd's file as etcdctl does
            Etcdctl.Result theirs = etcd.etcdctl().run("snapshot", "status", file.toString(), "-w", "json");
            Etcdctl.Result ours = VertcdSnapshotCli.run("status", file.toString(), "-w", "json");
            assertEquals(0, ours.exitCode(), ours.toString());
            assertEquals(theirs.stdout().strip(), ours.stdout().strip());
        }
        try (ClusterProcess cluster = ClusterProcess.describe(MemberKind.VERTCD, 3, "migrated")) {
            for (ClusterProcess.Member m : cluster.members()) {
                Etcdctl.Result r = VertcdSnapshotCli.run("restore", file.toString(), "--name", m.name(),
                        "--data-dir", m.dataDir().toString(), "--initial-cluster", cluster.initialCluster(),
                        "--initial-cluster-token", cluster.token(), "--initial-advertise-peer-urls", m.peerUrl());
                assertEquals(0, r.exitCode(), r.toString());
            }
            cluster.startAll(java.time.Duration.ofMinutes(3)); // three JVMs opening stores on a loaded machine
            for (ClusterProcess.Member m : cluster.members()) {
                try (Client c = Client.builder().endpoints(m.clientUrl()).retryMaxAttempts(0).build()) {
                    assertEquals(expected, KubeLikeDataSet.fingerprint(c, new Etcdctl(m.clientUrl()), compacted),
                            "member " + m.name());
                }
            }
            // new member and cluster IDs: the old membership is gone
            Etcdctl.Result members = new Etcdctl(cluster.clientUrls()).run("member", "list");
            assertTrue(members.ok(), members.toString());
            assertEquals(3, members.stdout().strip().lines().count(), members.stdout());
            assertTrue(members.stdout().contains(", m1, ") && members.stdout().contains(", m3, "), members.stdout());
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
