package io.vertcd.server.cli;

import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Reads etcd's YAML configuration file ({@code --config-file}, etcd embed/config.go {@code ConfigFromFile}; the
 * keys of etcd.conf.yml.sample) into flag values: each key names the flag of the same name, the keys of the
 * {@code client-transport-security} block the client TLS flags ({@code cert-file} = {@code --cert-file}) and those
 * of {@code peer-transport-security} the peer ones ({@code cert-file} = {@code --peer-cert-file}). Values have
 * etcd's JSON types ({@link EtcdKeys}): a YAML string for text, a YAML bool for booleans, an integer for numbers
 * and for durations (nanoseconds), a sequence for lists (joined with commas). As in etcd, an empty value keeps the
 * default, an unknown key is ignored, and a value of the wrong type refuses the whole file with Go's
 * {@code json: cannot unmarshal ...} message.
 */
public final class EtcdConfigFile {
    private static final String JSON_ERROR = "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ";

    /**
     * @param values flag name (no dashes) to its value as a command line would give it
     * @param ignored etcd keys the file sets that vertcd has no flag for, e.g. {@code unsafe-no-fsync}
     */
    public record Contents(Map<String, String> values, List<String> ignored) {
    }

    private EtcdConfigFile() {
    }

    /**
     * @param path the file
     * @param spec the command whose long options are the flags the keys may name
     * @return the flag values the file sets
     * @throws ConfigException with etcd's text: {@code open x.yml: no such file or directory},
     *     {@code error converting YAML to JSON: ...}, {@code error unmarshaling JSON: ...}
     */
    public static Contents read(Path path, CommandSpec spec) throws ConfigException {
        Object doc;
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
        } catch (NoSuchFileException e) {
            throw new ConfigException("open " + path + ": no such file or directory");
        } catch (MarkedYAMLException e) {
            throw new ConfigException("error converting YAML to JSON: yaml: line " + (e.getProblemMark().getLine() + 1)
                    + ": " + e.getProblem());
        } catch (YAMLException e) {
            throw new ConfigException("error converting YAML to JSON: yaml: " + e.getMessage());
        } catch (IOException e) {
            throw new ConfigException("open " + path + ": " + e.getMessage());
        }
        Map<String, String> values = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        if (doc == null) {
            return new Contents(values, ignored);
        }
        if (!(doc instanceof Map<?, ?> top)) {
            throw new ConfigException(JSON_ERROR + jsonKind(doc) + " into Go value of type embed.configYAML");
        }
        for (Map.Entry<?, ?> e : top.entrySet()) {
            String key = String.valueOf(e.getKey());
            Object value = e.getValue();
            if (key.equals(EtcdKeys.CLIENT_SECURITY) || key.equals(EtcdKeys.PEER_SECURITY)) {
                if (value == null) {
                    continue;
                }
                if (!(value instanceof Map<?, ?> block)) {
                    throw new ConfigException(JSON_ERROR + jsonKind(value) + " into Go struct field configYAML." + key
                            + " of type embed.securityConfig");
                }
                for (Map.Entry<?, ?> n : block.entrySet()) {
                    String nested = String.valueOf(n.getKey());
                    GoType type = EtcdKeys.SECURITY.get(nested);
                    String flag = EtcdKeys.flagForNested(key, nested);
                    put(spec, values, ignored, flag, type, n.getValue(), "securityConfig." + key + "." + nested, false);
                }
                continue;
            }
            put(spec, values, ignored, key, EtcdKeys.TOP_LEVEL.get(key), value, "configYAML." + key,
                    EtcdKeys.PROXY_TEXT.contains(key));
        }
        return new Contents(values, ignored);
    }

    private static void put(CommandSpec spec, Map<String, String> values, List<String> ignored, String flag,
            GoType etcdType, Object value, String field, boolean scalarAsText) throws ConfigException {
        var option = spec.findOption("--" + flag);
        if (etcdType == null && option == null) {
            return; // a key etcd does not know: ignored, as encoding/json ignores unknown fields
        }
        GoType type = etcdType != null ? etcdType : EtcdKeys.typeOfFlag(flag, option.type());
        if (value == null) {
            return; // "key:" with no value keeps the default
        }
        String text = toFlagValue(type, value, field, scalarAsText);
        if (option == null) {
            ignored.add(flag);
            return;
        }
        values.put(flag, text);
    }

    /** Converts one YAML value to the text the flag takes on a command line, refusing a value of another JSON type. */
    private static String toFlagValue(GoType type, Object value, String field, boolean scalarAsText) throws ConfigException {
        switch (type) {
            case STRING:
                if (value instanceof String s) {
                    return s;
                }
                if (scalarAsText && !(value instanceof Map) && !(value instanceof List)) {
                    return String.valueOf(value);
                }
                break;
            case BOOL:
                if (value instanceof Boolean b) {
                    return b.toString();
                }
                break;
            case STRINGS:
                if (value instanceof List<?> list) {
                    List<String> parts = new ArrayList<>();
                    for (Object item : list) {
                        if (!(item instanceof String s)) {
                            throw new ConfigException(JSON_ERROR + jsonKind(item) + " into Go struct field " + field
                                    + " of type string");
                        }
                        parts.add(s);
                    }
                    return String.join(",", parts);
                }
                break;
            default: // integers and durations
                if (value instanceof Integer || value instanceof Long || value instanceof BigInteger) {
                    BigInteger n = new BigInteger(value.toString());
                    if (!type.fits(n)) {
                        throw new ConfigException(JSON_ERROR + "number " + n + " into Go struct field " + field
                                + " of type " + type.goName());
                    }
                    return type == GoType.DURATION ? n + "ns" : n.toString();
                }
                if (value instanceof Double d) {
                    throw new ConfigException(JSON_ERROR + "number " + goNumber(d) + " into Go struct field " + field
                            + " of type " + type.goName());
                }
                break;
        }
        throw new ConfigException(JSON_ERROR + jsonKind(value) + " into Go struct field " + field + " of type "
                + type.goName());
    }

    private static String goNumber(double d) {
        return d == Math.rint(d) && !Double.isInfinite(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    /** @return the JSON kind Go's UnmarshalTypeError names: string, number, bool, array, object */
    private static String jsonKind(Object value) {
        if (value instanceof Boolean) {
            return "bool";
        }
        if (value instanceof Number) {
            return "number";
        }
        if (value instanceof List) {
            return "array";
        }
        if (value instanceof Map) {
            return "object";
        }
        return "string";
    }
}
