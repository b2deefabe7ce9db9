package io.vertcd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * etcdctl's maintenance commands side by side on real etcd 3.4 and vertcd: {@code endpoint hashkv} (the same hash for
 * the same history, and etcd's errors), {@code compact}, {@code defrag}, {@code alarm list}, {@code endpoint status}.
 */
class MaintenanceEtcdctlTest {
    private static final Pattern HASH = Pattern.compile("\"hash\":(\\d+),\"compact_revision\":(-?\\d+)");
    private static final Pattern DB_SIZE = Pattern.compile("\"dbSize\":(\\d+)");

    private static String hashKV(Etcdctl ctl, String rev) {
        Etcdctl.Result r = ctl.run("endpoint", "hashkv", "--rev=" + rev, "-w", "json");
        assertTrue(r.ok(), r.toString());
        Matcher m = HASH.matcher(r.stdout());
        assertTrue(m.find(), r.stdout());
        return m.group(1) + "/" + m.group(2);
    }

    @Test
    void hashKvCompactDefragAlarmAndStatusAsEtcd() throws Exception {
        List<String> transcripts = new ArrayList<>();
        SideBySide.run("maint", member -> {
            Etcdctl ctl = member.etcdctl();
            StringBuilder t = new StringBuilder();
            t.append(hashKV(ctl, "0")).append(' ');
            for (String[] cmd : List.of(new String[] {"put", "a", "1"}, new String[] {"put", "b", "2"},
                    new String[] {"put", "a", "3"}, new String[] {"del", "b"})) {
                assertTrue(ctl.run(cmd).ok());
            }
            assertTrue(ctl.runWithInput("\nput c 4\nput d 5\n\n\n", "txn").ok());
            assertTrue(ctl.run("put", "a", "7").ok());
            t.append(hashKV(ctl, "0")).append(' ').append(hashKV(ctl, "5")).append(' ');
            Etcdctl.Result compact = ctl.run("compact", "--physical", "4");
            assertEquals("compacted revision 4\n", compact.stdout());
            t.append(hashKV(ctl, "0")).append(' ').append(hashKV(ctl, "6")).append(' ');
            Etcdctl.Result compacted = ctl.run("endpoint", "hashkv", "--rev=4");
            assertTrue(compacted.stderr().contains("etcdserver: mvcc: required revision has been compacted"), compacted.toString());
            Etcdctl.Result future = ctl.run("endpoint", "hashkv", "--rev=99");
            assertTrue(future.stderr().contains("etcdserver: mvcc: required revision is a future revision"), future.toString());
            Etcdctl.Result defrag = ctl.run("defrag");
            assertEquals("Finished defragmenting etcd member[" + member.clientUrl() + "]\n",
                    defrag.stdout(), defrag.toString());
            t.append(hashKV(ctl, "0")).append(" after-defrag ");
            Etcdctl.Result alarms = ctl.run("alarm", "list");
            assertEquals(0, alarms.exitCode());
            assertEquals("", alarms.stdout());
            Etcdctl.Result status = ctl.run("endpoint", "status", "-w", "json");
            Matcher m = DB_SIZE.matcher(status.stdout());
            assertTrue(m.find(), status.stdout());
            assertTrue(Long.parseLong(m.group(1)) >= 20480, "dbSize " + m.group(1));
            transcripts.add(t.toString());
            return "hashkv " + t + " dbSize " + m.group(1);
        });
        assertEquals(2, transcripts.size());
        assertEquals("1084519789/-1 858786836/-1 1125682900/-1 3715311684/4 1264284526/4 3715311684/4 after-defrag ",
                transcripts.get(0), "etcd 3.4.23's values (KvHashTest has them too)");
        assertEquals(transcripts.get(0), transcripts.get(1), "vertcd's HashKV equals etcd's");
    }
}
