package io.vertcd.server.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.event.Level;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Turns vertcd's command line, environment and configuration file into a parsed {@link ServerCommand}, with etcd
 * 3.4's rules (etcdmain/config.go {@code parse}, {@code configFromCmdLine}, {@code configFromFile}; pkg/flags
 * {@code SetFlagsFromEnv}):
 * <ul>
 *   <li>flags as Go's {@code flag} package reads them ({@link GoFlagParser});</li>
 *   <li>with {@code --config-file} (or {@code ETCD_CONFIG_FILE}) the file is the whole configuration: the other
 *       flags and every {@code ETCD_*} variable are ignored ({@link EtcdConfigFile});</li>
 *   <li>otherwise each flag not on the command line takes its {@code ETCD_*} variable when set and not empty; a
 *       variable for a flag that is also on the command line is refused (etcd exits: {@code conflicting environment
 *       variable ...}); other {@code ETCD_*} variables are warned about.</li>
 * </ul>
 */
public final class EtcdCommandLine {
    /**
     * A line to log once logging is configured (the flags choose the logger).
     *
     * @param level its level
     * @param message etcd's message
     * @param fields etcd's structured fields (zap), in order
     */
    public record Note(Level level, String message, Map<String, Object> fields) {
    }

    /**
     * @param commandLine the picocli command line, parsed; its user object is the {@link ServerCommand}
     * @param help usage was asked for ({@code -h}, {@code --help})
     * @param version the version was asked for ({@code --version})
     * @param notes what etcd logs about the configuration's sources, to log once logging is set up
     */
    public record Result(CommandLine commandLine, boolean help, boolean version, List<Note> notes) {
        /** @return the parsed command */
        public ServerCommand command() {
            return commandLine.getCommand();
        }
    }

    private EtcdCommandLine() {
    }

    /**
     * @param args the command line
     * @param environment the process environment
     * @return the parsed command and the notes to log
     * @throws FlagSyntaxException Go's refusal of the command line (etcd exits 2)
     * @throws ConfigException {@code vertcd: error verifying flags, ...} (etcd exits 1)
     */
    public static Result parse(List<String> args, Map<String, String> environment) throws FlagSyntaxException, ConfigException {
        if (!args.isEmpty() && (args.get(0).equals("gateway") || args.get(0).equals("grpc-proxy"))) {
            throw new ConfigException("vertcd: the '" + args.get(0) + "' subcommand is not supported yet: vertcd runs "
                    + "only as an etcd member (use etcd's own 'etcd " + args.get(0) + "' in front of vertcd members)");
        }
        CommandLine cl = ServerCommand.commandLine(Map.of());
        CommandSpec spec = cl.getCommandSpec();
        GoFlagParser.Parsed flags = GoFlagParser.parse(spec, args);
        List<Note> notes = new ArrayList<>();
        for (String w : flags.warnings()) {
            notes.add(new Note(Level.WARN, w, Map.of()));
        }
        if (flags.help() || flags.version()) {
            return new Result(cl, flags.help(), flags.version(), notes);
        }
        if (!flags.rest().isEmpty()) {
            throw verifying("'" + flags.rest().get(0) + "' is not a valid flag");
        }
        String configFile = flags.values().getOrDefault("config-file", "");
        if (configFile.isEmpty()) {
            configFile = environment.getOrDefault(EtcdEnvironmentDefaults.variableFor("--config-file"), "");
        }
        Map<String, String> values;
        if (!configFile.isEmpty()) {
            notes.add(new Note(Level.INFO, "loaded server configuration, other configuration command line flags and "
                    + "environment variables will be ignored if provided", Map.of("path", configFile)));
            EtcdConfigFile.Contents file;
            try {
                file = EtcdConfigFile.read(Path.of(configFile), spec);
            } catch (ConfigException e) {
                throw verifying(e.getMessage());
            }
            for (String key : file.ignored()) {
                notes.add(new Note(Level.WARN, "configuration key has no meaning for vertcd; ignored", Map.of("key", key)));
            }
            values = file.values();
        } else {
            values = new LinkedHashMap<>(flags.values());
            applyEnvironment(spec, values, environment, notes);
        }
        List<String> normalized = new ArrayList<>();
        values.forEach((k, v) -> normalized.add("--" + k + "=" + v));
        try {
            cl.parseArgs(normalized.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw verifying(e.getMessage());
        }
        return new Result(cl, false, false, notes);
    }

    /** pkg/flags SetFlagsFromEnv and verifyEnv. */
    private static void applyEnvironment(CommandSpec spec, Map<String, String> values, Map<String, String> environment,
            List<Note> notes) throws ConfigException {
        Set<String> used = new java.util.HashSet<>();
        Set<String> shadowed = new java.util.HashSet<>();
        for (OptionSpec option : spec.options()) {
            if (option.usageHelp() || option.versionHelp()) {
                continue;
            }
            String flag = option.longestName().substring(2);
            String variable = EtcdEnvironmentDefaults.variableFor(option.longestName());
            if (values.containsKey(flag)) {
                shadowed.add(variable);
                continue;
            }
            String value = environment.get(variable);
            if (value == null || value.isEmpty()) {
                continue;
            }
            used.add(variable);
            GoType type = EtcdKeys.typeOfFlag(flag, option.type());
            String problem = GoFlagParser.checkValue(type, value);
            if (problem != null) {
                throw verifying("invalid value \"" + value + "\" for " + variable + ": " + problem);
            }
            values.put(flag, type == GoType.BOOL ? GoType.parseBool(value).toString()
                    : type.isInteger() && type != GoType.DURATION ? type.parseInteger(value).toString() : value);
            notes.add(new Note(Level.INFO, "recognized and used environment variable",
                    orderedFields("variable-name", variable, "variable-value", value)));
        }
        for (Map.Entry<String, String> e : new TreeMap<>(environment).entrySet()) {
            String variable = e.getKey();
            if (used.contains(variable)) {
                continue;
            }
            if (shadowed.contains(variable)) {
                throw new ConfigException("vertcd: conflicting environment variable \"" + variable + "\" is shadowed by "
                        + "corresponding command-line flag (either unset environment variable or disable flag)");
            }
            if (variable.startsWith("ETCD_")) {
                notes.add(new Note(Level.WARN, "unrecognized environment variable",
                        orderedFields("environment-variable", variable + "=" + e.getValue())));
            }
        }
    }

    private static Map<String, Object> orderedFields(String... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static ConfigException verifying(String problem) {
        return new ConfigException("vertcd: error verifying flags, " + problem + ". See 'vertcd --help'.");
    }
}
