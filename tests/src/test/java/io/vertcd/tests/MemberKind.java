package io.vertcd.tests;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Which server a {@link MemberProcess} runs: real etcd 3.4 or the vertcd fat jar (same flags). */
public enum MemberKind {
    /** Real etcd, {@link Binaries#etcd()}. */
    ETCD,
    /**
     * vertcd: {@code java -Dchronicle.analytics.disable=true [vertcd.tests.jvmArgs] -jar vertcd.jar}
     * (the Add-Opens Chronicle needs are in the jar's manifest).
     */
    VERTCD;

    /**
     * @param flags etcd-style flags, e.g. {@code --name=m1}
     * @return the full command line starting this kind of member with those flags
     */
    public List<String> command(List<String> flags) {
        return command(List.of(), flags);
    }

    /**
     * @param jvmArgs further JVM options for a vertcd member (e.g. a test hook's {@code -D}); ignored for etcd
     * @param flags etcd-style flags
     * @return the full command line
     */
    public List<String> command(List<String> jvmArgs, List<String> flags) {
        List<String> cmd = new ArrayList<>();
        if (this == ETCD) {
            cmd.add(Binaries.etcd().toString());
        } else {
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-Dchronicle.analytics.disable=true");
            // Extra JVM options for the member, e.g. -Dvertcd.tests.jvmArgs="-Xmx1g"; none by default.
            String globalArgs = System.getProperty("vertcd.tests.jvmArgs", "");
            for (String a : globalArgs.trim().split("\\s+")) {
                if (!a.isEmpty()) {
                    cmd.add(a);
                }
            }
            cmd.addAll(jvmArgs);
            cmd.add("-jar");
            cmd.add(Binaries.vertcdJarSnapshot().toString());
        }
        cmd.addAll(flags);
        return cmd;
    }
}
