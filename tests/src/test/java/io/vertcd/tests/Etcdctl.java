package io.vertcd.tests;

import java.io.ByteArrayOutputStream;
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
import java.util.function.Predicate;

/**
 * Runs stock {@code etcdctl} (v3 API, {@code ETCDCTL_API=3}) against fixed endpoints and returns
 * what it printed. Each call is bounded: a command still running after {@link #TIMEOUT_SECONDS}
 * seconds is killed and reported as exit code -1. Commands that run until stopped ({@code watch},
 * {@code elect}, {@code elect -l}) run in the background with {@link #start}.
 */
public final class Etcdctl {
    /** Upper bound on one etcdctl run, in seconds. */
    public static final long TIMEOUT_SECONDS = 30;

    private final String endpoints;
    private final List<String> globalFlags;

    /** @param endpoints etcdctl's {@code --endpoints} value, e.g. {@code http://127.0.0.1:32300} */
    public Etcdctl(String endpoints) {
        this(endpoints, List.of());
    }

    /**
     * @param endpoints etcdctl's {@code --endpoints} value
     * @param globalFlags flags given before every command, e.g. {@code --cacert=...}
     */
    public Etcdctl(String endpoints, List<String> globalFlags) {
        this.endpoints = endpoints;
        this.globalFlags = List.copyOf(globalFlags);
    }

    /** @return an etcdctl for the same endpoints with {@code flags} added to the global flags */
    public Etcdctl with(String... flags) {
        List<String> all = new ArrayList<>(globalFlags);
        all.addAll(Arrays.asList(flags));
        return new Etcdctl(endpoints, all);
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
        try {
            Process p = command(args).start();
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

    /**
     * Starts etcdctl in the background, for commands that run until stopped. Its output is read
     * as it comes ({@link Background#stdout()}); stop it as a user would with
     * {@link Background#interrupt()} (SIGINT, Ctrl-C) and collect the result with
     * {@link Background#awaitExit}. Closing it kills what is still running.
     *
     * @param args etcdctl arguments after {@code --endpoints}, e.g. {@code "elect", "-l", "e"}
     * @return the running command
     */
    public Background start(String... args) {
        try {
            return new Background(command(args).start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ProcessBuilder command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Binaries.etcdctl().toString());
        cmd.add("--endpoints=" + endpoints);
        cmd.addAll(globalFlags);
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("ETCDCTL_API", "3");
        // Only the flags given above may influence the output.
        pb.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL_") && !k.equals("ETCDCTL_API"));
        return pb;
    }

    /**
     * A running etcdctl whose stdout and stderr are collected as they arrive (one reader thread
     * each). Not thread-safe apart from the output getters.
     */
    public static final class Background implements AutoCloseable {
        private final Process process;
        private final Collector out;
        private final Collector err;

        private Background(Process process) {
            this.process = process;
            try {
                process.getOutputStream().close(); // no input: a command reading stdin sees EOF
            } catch (IOException ignored) {
                // the process may already have exited; its result tells
            }
            this.out = new Collector(process.getInputStream());
            this.err = new Collector(process.getErrorStream());
        }

        /** @return everything printed on stdout so far */
        public String stdout() {
            return out.text();
        }

        /** @return everything printed on stderr so far */
        public String stderr() {
            return err.text();
        }

        /** @return true while etcdctl runs */
        public boolean isAlive() {
            return process.isAlive();
        }

        /**
         * Polls (every 20 ms) until stdout satisfies {@code condition}, etcdctl exits, or
         * {@code timeoutSeconds} pass (a hang bound, not a speed check).
         *
         * @return true if the condition holds
         */
        public boolean awaitStdout(Predicate<String> condition, long timeoutSeconds) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            while (!condition.test(stdout())) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    return condition.test(stdout());
                }
                pause(20);
            }
            return true;
        }

        /** Sends SIGINT, as Ctrl-C in a terminal does (etcdctl elect then resigns and exits 0). */
        public void interrupt() {
            if (!process.isAlive()) {
                return;
            }
            try {
                Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid()))
                        .redirectErrorStream(true).start();
                if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                    kill.destroyForcibly();
                    if (process.isAlive()) {
                        throw new IllegalStateException("kill -INT " + process.pid() + " failed");
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /**
         * Waits for etcdctl to exit and for its output to be read to the end. Still running after
         * {@code timeoutSeconds}: killed and reported as exit code -1.
         *
         * @return the exit code and all output
         */
        public Result awaitExit(long timeoutSeconds) {
            try {
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                    out.join();
                    err.join();
                    return new Result(-1, stdout(), stderr() + "\n[killed after " + timeoutSeconds + " s]");
                }
                out.join();
                err.join();
                return new Result(process.exitValue(), stdout(), stderr());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** Stops etcdctl if it still runs: SIGTERM, then SIGKILL after 5 s. */
        @Override
        public void close() {
            if (!process.isAlive()) {
                return;
            }
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static void pause(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Copies a stream into memory as it arrives, on its own daemon thread. */
    private static final class Collector {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final Thread thread;

        Collector(InputStream in) {
            thread = new Thread(() -> {
                byte[] buf = new byte[8192];
                try (in) {
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        synchronized (bytes) {
                            bytes.write(buf, 0, n);
                        }
                    }
                } catch (IOException e) {
                    synchronized (bytes) {
                        bytes.writeBytes(("[read error: " + e + "]").getBytes(StandardCharsets.UTF_8));
                    }
                }
            }, "etcdctl-collect");
            thread.setDaemon(true);
            thread.start();
        }

        String text() {
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }

        void join() throws InterruptedException {
            thread.join(TimeUnit.SECONDS.toMillis(5));
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
