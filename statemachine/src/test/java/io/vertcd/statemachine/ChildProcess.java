package io.vertcd.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a crash-writer class in a child JVM (same class path and Chronicle flags) that must end with Runtime.halt(3). */
final class ChildProcess {
    private ChildProcess() {}

    /** @return the child's output; fails the test unless it exited with 3 and printed "revision=". */
    static String runUntilHalt(Path logDir, Class<?> main, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-") || a.startsWith("-Dchronicle")) {
                cmd.add(a);
            }
        }
        cmd.add("-Xmx256m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        Path logFile = logDir.resolve("child.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
        try {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child finished");
        } finally {
            p.destroyForcibly();
        }
        String log = Files.readString(logFile);
        assertEquals(3, p.exitValue(), log);
        assertTrue(log.contains("revision="), log);
        return log;
    }
}
