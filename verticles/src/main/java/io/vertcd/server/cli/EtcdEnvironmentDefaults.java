package io.vertcd.server.cli;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Supplies option values from etcd's environment variables: the long option
 * {@code --listen-client-urls} reads {@code ETCD_LISTEN_CLIENT_URLS} (prefix {@code ETCD_}, the
 * name in upper snake case). A flag given on the command line wins over the variable, which wins
 * over the built-in default, as in etcd 3.4 ({@code pkg/flags/flag.go} SetFlagsFromEnv).
 */
public final class EtcdEnvironmentDefaults implements CommandLine.IDefaultValueProvider {
    private final Map<String, String> environment;

    /** @param environment the process environment (normally {@link System#getenv()}) */
    public EtcdEnvironmentDefaults(Map<String, String> environment) {
        this.environment = Objects.requireNonNull(environment, "environment");
    }

    /**
     * @param longName an option name such as {@code --max-txn-ops}
     * @return the environment variable etcd reads for it, e.g. {@code ETCD_MAX_TXN_OPS}
     */
    public static String variableFor(String longName) {
        String bare = longName.startsWith("--") ? longName.substring(2) : longName;
        return "ETCD_" + bare.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** @return the variable's value for an option, or null to fall back to the built-in default */
    @Override
    public String defaultValue(ArgSpec argSpec) {
        if (!(argSpec instanceof OptionSpec option)) {
            return null;
        }
        String value = environment.get(variableFor(option.longestName()));
        return value == null ? null : value;
    }
}
