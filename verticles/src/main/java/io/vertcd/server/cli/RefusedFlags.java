package io.vertcd.server.cli;

import java.util.Map;

/**
 * Why vertcd refuses an etcd flag set to something other than its default ({@link UnsupportedFlags}): the flags of
 * etcd's v2 API and v2 proxy, which vertcd will not have (it serves etcd's v3 API only; v2 is deprecated in etcd 3.4
 * and gone in 3.6), and {@code --enable-pprof}, a Go runtime feature. Any other flag is a feature not built yet.
 */
public final class RefusedFlags {
    private static final String V2 = "vertcd serves only etcd's v3 API (the v2 API is deprecated in etcd 3.4 and removed in 3.6)";
    private static final String PROXY = "the v2 proxy mode belongs to etcd's v2 API; " + V2;
    private static final String DISCOVERY = "bootstrapping through a v2 discovery service is not available; "
            + "list the members with --initial-cluster";

    /** Flag to the reason it is refused. */
    static final Map<String, String> REASONS = Map.ofEntries(
            Map.entry("--enable-v2", V2),
            Map.entry("--experimental-enable-v2v3", "it serves the v2 API from the v3 store; " + V2),
            Map.entry("--proxy", PROXY), Map.entry("--proxy-failure-wait", PROXY),
            Map.entry("--proxy-refresh-interval", PROXY), Map.entry("--proxy-dial-timeout", PROXY),
            Map.entry("--proxy-write-timeout", PROXY), Map.entry("--proxy-read-timeout", PROXY),
            Map.entry("--discovery", DISCOVERY), Map.entry("--discovery-fallback", DISCOVERY),
            Map.entry("--discovery-proxy", DISCOVERY),
            Map.entry("--discovery-srv", "DNS SRV discovery is not supported yet; list the members with --initial-cluster"),
            Map.entry("--discovery-srv-name", "DNS SRV discovery is not supported yet; list the members with --initial-cluster"),
            Map.entry("--enable-pprof", "pprof profiles Go programs and vertcd runs on the JVM; profile it with JDK Flight "
                    + "Recorder (java -XX:StartFlightRecording=filename=vertcd.jfr -jar vertcd.jar, or jcmd <pid> JFR.start)"));

    private RefusedFlags() {
    }

    /**
     * @param flag a flag of {@link UnsupportedFlags} that is set
     * @return the message vertcd exits with: {@code vertcd: --enable-v2 is not supported: <reason>} or
     *     {@code vertcd: --x is not supported yet}
     */
    public static String refusal(String flag) {
        String reason = REASONS.get(flag);
        return reason == null ? "vertcd: " + flag + " is not supported yet" : "vertcd: " + flag + " is not supported: " + reason;
    }
}
