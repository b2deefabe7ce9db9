package io.vertcd.server.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Reads a command line the way Go's {@code flag} package does for etcd (etcdmain/config.go {@code parse}):
 * {@code -flag} and {@code --flag} alike, {@code -flag=value} or {@code -flag value}, a boolean only as
 * {@code -flag} or {@code -flag=value} (any {@code strconv.ParseBool} form), a flag given twice keeps its last value,
 * {@code --} or the first argument that is not a flag ends the flags. Values are checked against etcd's Go type
 * ({@link EtcdKeys#typeOfFlag}) with Go's messages; picocli then binds the normalized {@code --flag=value} list.
 */
public final class GoFlagParser {
    /** etcd's flags that are accepted and ignored with a warning (etcdmain/config.go {@code ignored}). */
    public static final Set<String> IGNORED = Set.of("cluster-active-size", "cluster-remove-delay",
            "cluster-sync-interval", "config", "force", "max-result-buffer", "max-retry-attempts",
            "peer-heartbeat-interval", "peer-election-timeout", "retry-interval", "snapshot", "v", "vv");

    /**
     * The flags read from a command line.
     *
     * @param values flag name (no dashes) to its last value, in order of first appearance; booleans as
     *     {@code true}/{@code false}
     * @param help {@code -h}/{@code -help} was given
     * @param version {@code -version} was given (and true)
     * @param rest the arguments after the flags (etcd refuses the first: {@code 'x' is not a valid flag})
     * @param warnings etcd's warnings for ignored flags ({@code flag "-v" is no longer supported - ignoring.})
     */
    public record Parsed(Map<String, String> values, boolean help, boolean version, List<String> rest,
            List<String> warnings) {
    }

    private GoFlagParser() {
    }

    /**
     * @param spec the command whose long options are the flags
     * @param args the command line
     * @return the flags and what follows them
     * @throws FlagSyntaxException with Go's message for an unknown flag, a missing value or a value of the wrong type
     */
    public static Parsed parse(CommandSpec spec, List<String> args) throws FlagSyntaxException {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        boolean help = false;
        boolean version = false;
        int i = 0;
        while (i < args.size()) {
            String s = args.get(i);
            if (s.length() < 2 || s.charAt(0) != '-') {
                break;
            }
            int dashes = 1;
            if (s.charAt(1) == '-') {
                dashes = 2;
                if (s.length() == 2) {
                    i++;
                    break;
                }
            }
            String name = s.substring(dashes);
            if (name.isEmpty() || name.charAt(0) == '-' || name.charAt(0) == '=') {
                throw new FlagSyntaxException("bad flag syntax: " + s);
            }
            i++;
            String value = null;
            int eq = name.indexOf('=');
            if (eq > 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (IGNORED.contains(name)) {
                warnings.add("flag \"-" + name + "\" is no longer supported - ignoring.");
                continue;
            }
            if (name.equals("version")) {
                Boolean b = value == null ? Boolean.TRUE : GoType.parseBool(value);
                if (b == null) {
                    throw new FlagSyntaxException("invalid boolean value \"" + value + "\" for -version: parse error");
                }
                version = b;
                continue;
            }
            OptionSpec option = spec.findOption("--" + name);
            if (option == null || option.usageHelp() || option.versionHelp()) {
                if (name.equals("h") || name.equals("help")) {
                    help = true;
                    continue;
                }
                throw new FlagSyntaxException("flag provided but not defined: -" + name);
            }
            GoType type = EtcdKeys.typeOfFlag(name, option.type());
            if (type == GoType.BOOL) {
                if (value == null) {
                    value = "true";
                } else {
                    Boolean b = GoType.parseBool(value);
                    if (b == null) {
                        throw new FlagSyntaxException("invalid boolean value \"" + value + "\" for -" + name + ": parse error");
                    }
                    value = b.toString();
                }
            } else {
                if (value == null) {
                    if (i >= args.size()) {
                        throw new FlagSyntaxException("flag needs an argument: -" + name);
                    }
                    value = args.get(i++);
                }
                String problem = checkValue(type, value);
                if (problem != null) {
                    throw new FlagSyntaxException("invalid value \"" + value + "\" for flag -" + name + ": " + problem);
                }
            }
            values.remove(name); // the last one wins, and sits where the last one was given
            values.put(name, value);
        }
        return new Parsed(values, help, version, List.copyOf(args.subList(i, args.size())), warnings);
    }

    /**
     * @param type etcd's Go type of the flag
     * @param value a value from the command line or an {@code ETCD_*} variable
     * @return Go's complaint ({@code parse error}, {@code value out of range}, ...) or null when the value is fine
     */
    public static String checkValue(GoType type, String value) {
        switch (type) {
            case BOOL:
                return GoType.parseBool(value) == null ? "parse error" : null;
            case DURATION:
                try {
                    GoDurations.parseMs("", value);
                    return null;
                } catch (ConfigException e) {
                    return "parse error";
                }
            case STRING:
            case STRINGS:
                return null;
            default:
                return type.parseInteger(value) == null ? "parse error" : null;
        }
    }
}
