package io.vertcd.server.http;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The texts Go's JSON decoding gives etcd's gateway for the commonest bad requests, where the Java parsers' own texts
 * differ: a key or value that is not standard base64 ({@code illegal base64 data at input byte N}, Go
 * encoding/base64 CorruptInputError), an enum name that does not exist ({@code unknown value "X" for enum
 * etcdserverpb.RangeRequest_SortOrder}, which protobuf-java-util ignores when it ignores unknown fields) and a character that cannot start a value or a field name ({@code invalid
 * character 'x' looking for beginning of value}, encoding/json SyntaxError). Other errors keep the Java text.
 */
final class GoJsonErrors {
    private static final Pattern UNEXPECTED = Pattern.compile("^Unexpected character \\('(.)' \\(code \\d+\\)\\): (.*)",
            Pattern.DOTALL);
    private static final Pattern UNRECOGNIZED = Pattern.compile("^Unrecognized token '(.)", Pattern.DOTALL);

    private GoJsonErrors() {
    }

    /**
     * @param jacksonMessage Jackson's message for a syntax error
     * @return Go's text where known, else Jackson's first line
     */
    static String syntax(String jacksonMessage) {
        if (jacksonMessage == null) {
            return "invalid JSON";
        }
        Matcher m = UNEXPECTED.matcher(jacksonMessage);
        if (m.find()) {
            String rest = m.group(2);
            String looking = rest.startsWith("was expecting double-quote to start field name")
                    ? "looking for beginning of object key string"
                    : rest.startsWith("expected a valid value") ? "looking for beginning of value" : null;
            if (looking != null) {
                return "invalid character '" + m.group(1) + "' " + looking;
            }
        }
        m = UNRECOGNIZED.matcher(jacksonMessage);
        if (m.find()) {
            return "invalid character '" + m.group(1) + "' looking for beginning of value";
        }
        int nl = jacksonMessage.indexOf('\n');
        return nl < 0 ? jacksonMessage : jacksonMessage.substring(0, nl);
    }

    /**
     * Finds the first bytes field of {@code json} (a JSON value for message {@code type}) that Go's standard base64
     * decoder refuses, or the first enum field with a name the enum does not have.
     *
     * @return Go's error text, or null if every bytes and enum field decodes (or the JSON is not an object)
     */
    static String base64(String json, Descriptor type) {
        try {
            return base64(JsonParser.parseString(json), type);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String base64(JsonElement json, Descriptor type) {
        if (!json.isJsonObject()) {
            return null;
        }
        JsonObject o = json.getAsJsonObject();
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            FieldDescriptor f = field(type, e.getKey());
            if (f == null || e.getValue().isJsonNull()) {
                continue;
            }
            Iterable<JsonElement> items = f.isRepeated() && e.getValue().isJsonArray()
                    ? e.getValue().getAsJsonArray() : java.util.List.of(e.getValue());
            for (JsonElement item : items) {
                String err = null;
                if (f.getType() == FieldDescriptor.Type.BYTES && item.isJsonPrimitive()
                        && item.getAsJsonPrimitive().isString()) {
                    err = base64Error(item.getAsString());
                } else if (f.getType() == FieldDescriptor.Type.ENUM && item.isJsonPrimitive()
                        && item.getAsJsonPrimitive().isString()
                        && f.getEnumType().findValueByName(item.getAsString()) == null) {
                    err = "unknown value \"" + item.getAsString() + "\" for enum " + goName(f.getEnumType());
                } else if (f.getType() == FieldDescriptor.Type.MESSAGE) {
                    err = base64(item, f.getMessageType());
                }
                if (err != null) {
                    return err;
                }
            }
        }
        return null;
    }

    /** @return the Go type name of an enum, e.g. {@code etcdserverpb.RangeRequest_SortOrder} */
    private static String goName(com.google.protobuf.Descriptors.EnumDescriptor e) {
        String pkg = e.getFile().getPackage();
        String name = e.getFullName().substring(pkg.isEmpty() ? 0 : pkg.length() + 1).replace('.', '_');
        return pkg.isEmpty() ? name : pkg + "." + name;
    }

    private static FieldDescriptor field(Descriptor type, String name) {
        FieldDescriptor f = type.findFieldByName(name);
        if (f != null) {
            return f;
        }
        for (FieldDescriptor g : type.getFields()) {
            if (g.getJsonName().equals(name)) {
                return g;
            }
        }
        return null;
    }

    /**
     * Go's base64.StdEncoding.DecodeString verdict (padding required; {@code \r} and {@code \n} skipped).
     *
     * @return {@code illegal base64 data at input byte N}, or null if {@code s} decodes
     */
    static String base64Error(String s) {
        int n = 0; // significant characters seen
        int pad = -1; // index (in s) of the first '='
        int quantumStart = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r' || c == '\n') {
                continue;
            }
            if (n % 4 == 0) {
                quantumStart = i;
            }
            if (c == '=') {
                if (pad < 0) {
                    pad = i;
                    if (n % 4 < 2) {
                        return at(i);
                    }
                }
            } else if (pad >= 0 || !isBase64(c)) {
                return at(i);
            }
            n++;
        }
        if (n % 4 != 0) {
            return at(pad >= 0 ? pad : quantumStart);
        }
        return null;
    }

    private static boolean isBase64(char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/';
    }

    private static String at(int offset) {
        return "illegal base64 data at input byte " + offset;
    }
}
