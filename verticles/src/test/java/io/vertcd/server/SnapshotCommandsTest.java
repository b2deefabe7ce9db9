package io.vertcd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertcd.statemachine.EtcdSnapshotStatus;
import org.junit.jupiter.api.Test;

/** etcdctl 3.4's printers for {@code snapshot status}, byte for byte as etcdctl printed them for the same file. */
class SnapshotCommandsTest {
    private static final EtcdSnapshotStatus STATUS = new EtcdSnapshotStatus(906527751L, 6, 11, 20480);

    @Test
    void printsAsEtcdctl() {
        assertEquals("""
                +----------+----------+------------+------------+
                |   HASH   | REVISION | TOTAL KEYS | TOTAL SIZE |
                +----------+----------+------------+------------+
                | 36088407 |        6 |         11 |      20 kB |
                +----------+----------+------------+------------+
                """, SnapshotCommands.format(STATUS, "table"));
        assertEquals("36088407, 6, 11, 20 kB\n", SnapshotCommands.format(STATUS, "simple"));
        assertEquals("{\"hash\":906527751,\"revision\":6,\"totalKey\":11,\"totalSize\":20480}\n",
                SnapshotCommands.format(STATUS, "json"));
        assertEquals("\"Hash\" : 906527751\n\"Revision\" : 6\n\"Keys\" : 11\n\"Size\" : 20480\n",
                SnapshotCommands.format(STATUS, "fields"));
    }

    @Test
    void sizesAsGoHumanize() {
        assertEquals("9 B", SnapshotCommands.humanBytes(9));
        assertEquals("16 kB", SnapshotCommands.humanBytes(16384));
        assertEquals("4.1 kB", SnapshotCommands.humanBytes(4096));
        assertEquals("25 MB", SnapshotCommands.humanBytes(25_000_000));
        assertEquals("2.1 GB", SnapshotCommands.humanBytes(2_147_483_648L));
    }
}
