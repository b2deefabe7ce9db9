package io.vertcd.tests;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs stock {@code etcdctl} (v3 API, {@code ETCDCTL_API=3}) against fixed endpoints and returns
 * what it printed. Each call is bounded: a command still running after {@link #TIMEOUT_SECONDS}
 * seconds is killed and reported as exit code -1.
 */
public final class Etcdctl {
    /** Upper bound on one etcdctl run, in seconds. */
    public static final long TIMEOUT_SECONDS = 30;

    private final String endpoints;

    /** @param endpoints etcdctl's {@code --endpoints} value, e.g. {@code http://127.0.0.1:32300} */
    public Etcdctl(String endpoints) {
        this.endpoints = endpoints;
    }

    /** What one etcdctl run printed and returned. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** @return true when etcdctl exited with 0 */
        public boolean ok() {
            return exitCode == 0;
        }

        @Override
        public String toString() {
            return "exit=" + exitCode + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }
    }

    /**
     * @param args etcdctl arguments after {@code --endpoints}, e.g. {@code "put", "foo", "bar"}
     * @return the result
     */
    public Result run(String... args) {
        return runWithInput(null, args);
    }

    /**
     * @param stdin text written to etcdctl's standard input, then closed (null: no input)
     * @param args etcdctl arguments after {@code --endpoints}
     * @return the result
     */
    public Result runWithInput(String stdin, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Binaries.etcdctl().toString());
        cmd.add("--endpoints=" + endpoints);
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("ETCDCTL_API", "3");
        // Only the flags given above may influence the output.
        pb.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL_") && !k.equals("ETCDCTL_API"));
        try {
            Process p = pb.start();
            CompletableFuture<String> out = drain(p.getInputStream());
            CompletableFuture<String> err = drain(p.getErrorStream());
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                return new Result(-1, out.join(), err.join() + "\n[killed after " + TIMEOUT_SECONDS + " s]");
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Reads a stream to its end on its own daemon thread (the common pool may have one thread). */
    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (in) {
                f.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                f.complete("[read error: " + e + "]");
            }
        }, "etcdctl-drain");
        t.setDaemon(true);
        t.start();
        return f;
    }
}
