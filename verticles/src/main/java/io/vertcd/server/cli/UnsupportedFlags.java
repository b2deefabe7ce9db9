package io.vertcd.server.cli;

import java.util.List;
import java.util.Objects;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * etcd 3.4 flags whose features vertcd does not have yet. The parser accepts them (so an etcd
 * command line or {@code ETCD_*} environment parses), and {@link #firstSetFlag(CommandSpec)} lets the command refuse to
 * start when any of them is set to something other than its default.
 *
 * <p>Source of names and defaults: {@code etcd --help} of etcd 3.4 (etcdmain/help.go).
 */
public final class UnsupportedFlags {
    /** One etcd flag: its long name, etcd's default (as text), whether it is a boolean switch. */
    public record Flag(String name, String defaultValue, boolean isBoolean, String description) {
    }

    /** The flags, in etcd's help order. */
    public static final List<Flag> FLAGS = List.of(
            bool("--initial-election-tick-advance", "true", "Whether to fast-forward initial election ticks on boot."),
            text("--grpc-keepalive-min-time", "5s", "Minimum duration interval that a client should wait before pinging server."),
            text("--grpc-keepalive-interval", "2h", "Frequency duration of server-to-client ping to check if a connection is alive."),
            text("--grpc-keepalive-timeout", "20s", "Additional duration of wait before closing a non-responsive connection."),
            text("--discovery", "", "Discovery URL used to bootstrap the cluster."),
            text("--discovery-fallback", "proxy", "Expected behavior ('exit' or 'proxy') when discovery services fails."),
            text("--discovery-proxy", "", "HTTP proxy to use for traffic to discovery service."),
            text("--discovery-srv", "", "DNS srv domain used to bootstrap the cluster."),
            text("--discovery-srv-name", "", "Suffix to the dns srv name queried when bootstrapping."),
            bool("--enable-v2", "false", "Accept etcd V2 client requests."),
            text("--cors", "*", "Comma-separated whitelist of origins for CORS."),
            text("--host-whitelist", "*", "Acceptable hostnames from HTTP client requests."),
            bool("--enable-pprof", "false", "Enable runtime profiling data via HTTP server."),
            text("--proxy", "off", "Proxy mode setting ('off', 'readonly' or 'on')."),
            text("--proxy-failure-wait", "5000", "Time (in milliseconds) an endpoint will be held in a failed state."),
            text("--proxy-refresh-interval", "30000", "Time (in milliseconds) of the endpoints refresh interval."),
            text("--proxy-dial-timeout", "1000", "Time (in milliseconds) for a dial to timeout."),
            text("--proxy-write-timeout", "5000", "Time (in milliseconds) for a write to timeout."),
            text("--proxy-read-timeout", "0", "Time (in milliseconds) for a read to timeout."),
            text("--experimental-enable-v2v3", "", "Serve v2 requests through the v3 backend under a given prefix."),
            text("--experimental-compaction-batch-limit", "1000", "Maximum revisions deleted in each compaction batch."),
            text("--experimental-warning-apply-duration", "100ms", "Warning is generated if requests take more than this duration."),
            bool("--force-new-cluster", "false", "Force to create a new one-member cluster."));

    private UnsupportedFlags() {
    }

    private static Flag text(String name, String def, String description) {
        return new Flag(name, def, false, description);
    }

    private static Flag bool(String name, String def, String description) {
        return new Flag(name, def, true, description);
    }

    /** Adds every flag of {@link #FLAGS} to the command as a hidden-feature option (listed in --help). */
    public static void addTo(CommandSpec spec) {
        for (Flag flag : FLAGS) {
            OptionSpec.Builder b = OptionSpec.builder(flag.name())
                    .description(flag.description() + " (not supported yet)")
                    .defaultValue(flag.defaultValue());
            if (flag.isBoolean()) {
                b.type(boolean.class).arity("0..1").fallbackValue("true").paramLabel("<bool>");
            } else {
                b.type(String.class).arity("1").paramLabel("<value>");
            }
            spec.addOption(b.build());
        }
    }

    /**
     * @param spec the parsed command
     * @return the first flag of {@link #FLAGS} whose value differs from etcd's default, or null
     */
    public static String firstSetFlag(CommandSpec spec) {
        for (Flag flag : FLAGS) {
            OptionSpec option = spec.findOption(flag.name());
            Object value = option.getValue();
            String text = value == null ? "" : String.valueOf(value);
            if (!Objects.equals(text, flag.defaultValue())) {
                return flag.name();
            }
        }
        return null;
    }
}
