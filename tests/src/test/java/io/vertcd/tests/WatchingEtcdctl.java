package io.vertcd.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A long-running {@code etcdctl watch} in the background: its output goes to files, the test waits
 * until a number of events has been printed, then stops it. (etcdctl watch runs until killed.)
 */
final class WatchingEtcdctl implements AutoCloseable {
    private final Process process;
    private final Path out;
    private final Path err;

    private WatchingEtcdctl(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /**
     * @param endpoints the member's client URL
     * @param args etcdctl arguments after --endpoints, starting with {@code watch}
     */
    static WatchingEtcdctl start(String endpoints, String... args) {
        try {
            Path dir = Path.of(System.getProperty("user.dir"), "target", "e2e-logs");
            Files.createDirectories(dir);
            Path out = Files.createTempFile(dir, "watch-", ".out");
            Path err = Files.createTempFile(dir, "watch-", ".err");
            List<String> cmd = new ArrayList<>(List.of(Binaries.etcdctl().toString(), "--endpoints=" + endpoints));
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().put("ETCDCTL_API", "3");
            pb.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL_") && !k.equals("ETCDCTL_API"));
            return new WatchingEtcdctl(pb.start(), out, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the output so far */
    String stdout() {
        try {
            return Files.readString(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the error output so far */
    String stderr() {
        try {
            return Files.readString(err, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits (up to 20 s) until {@code events} event lines ({@code PUT}/{@code DELETE} in the simple
     * format, {@code "Events"} entries' {@code "kv"} in JSON) were printed, plus a short grace for the
     * rest of the last event, then stops etcdctl.
     *
     * @return the output
     */
    String awaitEventsAndStop(int events) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline && countEvents(stdout()) < events && process.isAlive()) {
            MemberProcess.sleep(20);
        }
        MemberProcess.sleep(300);
        close();
        return stdout();
    }

    static int countEvents(String text) {
        int n = 0;
        for (String line : text.split("\n")) {
            if (line.equals("PUT") || line.equals("DELETE")) {
                n++;
            }
        }
        int json = text.split("\"kv\":", -1).length - 1;
        return Math.max(n, json);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
