package io.vertcd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The masks hide exactly what {@link OutputMask} documents, and nothing that must be compared. */
class OutputMaskTest {
    private static final List<String> STATUS = List.of("endpoint", "status", "-w", "json");
    private static final List<String> GET = List.of("get", "foo", "-w", "json");

    @Test
    void statusMasksEngineFieldsButNotIdsOrRevision() {
        String etcd = "[{\"Endpoint\":\"http://127.0.0.1:32300\",\"Status\":{\"header\":{\"cluster_id\":1,\"member_id\":2,"
                + "\"revision\":23,\"raft_term\":2},\"version\":\"3.4.23\",\"dbSize\":20480,\"leader\":2,\"raftIndex\":9,"
                + "\"raftTerm\":2,\"raftAppliedIndex\":9,\"dbSizeInUse\":16384}}]";
        String other = etcd.replace("3.4.23", "0.1.0").replace("20480", "999").replace("\"raftIndex\":9", "\"raftIndex\":30");
        assertEquals(OutputMask.apply(STATUS, etcd), OutputMask.apply(STATUS, other));
        assertNotEquals(OutputMask.apply(STATUS, etcd), OutputMask.apply(STATUS, etcd.replace("\"revision\":23", "\"revision\":24")));
        assertNotEquals(OutputMask.apply(STATUS, etcd), OutputMask.apply(STATUS, etcd.replace("\"member_id\":2", "\"member_id\":3")));
    }

    @Test
    void keyValueOutputIsNotMasked() {
        String etcd = "{\"header\":{\"cluster_id\":1,\"member_id\":2,\"revision\":4,\"raft_term\":2},\"kvs\":[]}";
        assertEquals(etcd, OutputMask.apply(GET, etcd));
        assertNotEquals(OutputMask.apply(GET, etcd), OutputMask.apply(GET, etcd.replace("\"raft_term\":2", "\"raft_term\":3")));
    }

    @Test
    void retryWarningKeepsCodeAndMessage() {
        String line = "{\"level\":\"warn\",\"ts\":\"2026-11-21T05:37:27.096Z\",\"caller\":\"clientv3/retry_interceptor.go:62\","
                + "\"msg\":\"retrying of unary invoker failed\",\"target\":\"endpoint://client-281c41bc-74e8-47f1-b52d-629d80511469/127.0.0.1:32300\","
                + "\"attempt\":0,\"error\":\"rpc error: code = NotFound desc = etcdserver: requested lease not found\"}";
        String later = line.replace("05:37:27.096Z", "05:40:00.000Z").replace("281c41bc", "99999999");
        assertEquals(OutputMask.apply(GET, line), OutputMask.apply(GET, later));
        assertNotEquals(OutputMask.apply(GET, line), OutputMask.apply(GET, line.replace("NotFound", "Unknown")));
    }

    @Test
    void statusTableMasksColumnsCellByCell() {
        String etcd = """
                +------------------------+------------------+---------+---------+-----------+
                |        ENDPOINT        |        ID        | VERSION | DB SIZE | IS LEADER |
                +------------------------+------------------+---------+---------+-----------+
                | http://127.0.0.1:32300 | 558f22ce5cb69b10 |  3.4.23 |   20 kB |      true |
                +------------------------+------------------+---------+---------+-----------+
                """;
        String other = """
                +------------------------+------------------+---------+--------+-----------+
                |        ENDPOINT        |        ID        | VERSION | DB SIZE | IS LEADER |
                +------------------------+------------------+---------+--------+-----------+
                | http://127.0.0.1:32300 | 558f22ce5cb69b10 |  0.1.0 |   1 MB |      true |
                +------------------------+------------------+---------+--------+-----------+
                """;
        List<String> table = List.of("endpoint", "status", "-w", "table");
        assertEquals(OutputMask.apply(table, etcd), OutputMask.apply(table, other));
        assertNotEquals(OutputMask.apply(table, etcd), OutputMask.apply(table, etcd.replace("true", "false")));
    }

    @Test
    void statusSimpleFormatMasksSameFieldsByPosition() {
        String etcd = "http://127.0.0.1:32300, 875811f89e5816bd, 3.4.23, 25 kB, true, false, 2, 33, 33, \n";
        String other = "http://127.0.0.1:32300, 875811f89e5816bd, 3.5.0, 1.7 kB, true, false, 3, 31, 31, \n";
        List<String> args = List.of("endpoint", "status");
        assertEquals(OutputMask.apply(args, etcd), OutputMask.apply(args, other));
        String otherId = other.replace("875811f89e5816bd", "0000000000000001");
        assertNotEquals(OutputMask.apply(args, etcd), OutputMask.apply(args, otherId));
    }
}
