package io.vertcd.tests;

/**
 * A long-running {@code etcdctl watch} in the background ({@link Etcdctl#start}): the test waits
 * until a number of events has been printed, then stops it. (etcdctl watch runs until killed.)
 */
final class WatchingEtcdctl implements AutoCloseable {
    private final Etcdctl.Background process;

    private WatchingEtcdctl(Etcdctl.Background process) {
        this.process = process;
    }

    /**
     * @param endpoints the member's client URL
     * @param args etcdctl arguments after --endpoints, starting with {@code watch}
     */
    static WatchingEtcdctl start(String endpoints, String... args) {
        return new WatchingEtcdctl(new Etcdctl(endpoints).start(args));
    }

    /** @return the output so far */
    String stdout() {
        return process.stdout();
    }

    /** @return the error output so far */
    String stderr() {
        return process.stderr();
    }

    /**
     * Waits (up to 20 s) until {@code events} event lines ({@code PUT}/{@code DELETE} in the simple
     * format, {@code "Events"} entries' {@code "kv"} in JSON) were printed, plus a short grace for the
     * rest of the last event, then stops etcdctl.
     *
     * @return the output
     */
    String awaitEventsAndStop(int events) {
        process.awaitStdout(s -> countEvents(s) >= events, 20);
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
        process.close();
        process.awaitExit(5); // the output is read to its end
    }
}
