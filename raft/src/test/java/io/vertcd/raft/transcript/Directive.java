package io.vertcd.raft.transcript;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One command line of a transcript: a name, positional arguments and {@code key=value} options, e.g.
 * {@code add-nodes 3 voters=(1,2,3) index=2 prevote=false}. A value in parentheses is a comma- or space-separated
 * list ({@code (1,2,3)}, {@code (1 2 3)}, {@code ()}); a value in double quotes may contain spaces.
 *
 * @param name       the command name
 * @param positional the arguments without {@code =}, in order
 * @param options    the {@code key=value} arguments, in order
 * @param line       1-based line number of the command in its file
 */
record Directive(String name, List<String> positional, Map<String, String> options, int line) {

    /** Parses {@code text} (one command line). */
    static Directive parse(String text, int line) {
        List<String> tokens = tokenize(text);
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("line " + line + ": empty command");
        }
        List<String> positional = new ArrayList<>();
        Map<String, String> options = new LinkedHashMap<>();
        for (String t : tokens.subList(1, tokens.size())) {
            int eq = t.indexOf('=');
            if (eq > 0 && !t.startsWith("\"")) {
                options.put(t.substring(0, eq), unquote(t.substring(eq + 1)));
            } else {
                positional.add(unquote(t));
            }
        }
        return new Directive(tokens.get(0), Collections.unmodifiableList(positional),
                Collections.unmodifiableMap(options), line);
    }

    /** Splits on blanks outside parentheses and double quotes. */
    private static List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int depth = 0;
        boolean quoted = false;
        for (char c : text.trim().toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && c == '(') {
                depth++;
            } else if (!quoted && c == ')') {
                depth--;
            }
            if (Character.isWhitespace(c) && depth == 0 && !quoted) {
                if (!cur.isEmpty()) {
                    out.add(cur.toString());
                    cur.setLength(0);
                }
            } else {
                cur.append(c);
            }
        }
        if (!cur.isEmpty()) {
            out.add(cur.toString());
        }
        return out;
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }

    /** @return positional argument {@code i} as a member id */
    long id(int i) {
        return Long.parseLong(arg(i));
    }

    /** @return positional argument {@code i} */
    String arg(int i) {
        if (i >= positional.size()) {
            throw new IllegalArgumentException("line " + line + ": " + name + " needs argument " + (i + 1));
        }
        return positional.get(i);
    }

    /** @return every positional argument parsed as a member id */
    List<Long> ids() {
        return positional.stream().map(Long::parseLong).toList();
    }

    boolean has(String key) {
        return options.containsKey(key);
    }

    String option(String key, String def) {
        return options.getOrDefault(key, def);
    }

    long longOption(String key, long def) {
        return has(key) ? Long.parseLong(options.get(key)) : def;
    }

    boolean flag(String key, boolean def) {
        return has(key) ? Boolean.parseBoolean(options.get(key)) : def;
    }

    /** @return option {@code key} as a list of ids ({@code (1,2,3)}), empty if absent */
    List<Long> idList(String key) {
        String v = options.getOrDefault(key, "()").trim();
        if (v.startsWith("(") && v.endsWith(")")) {
            v = v.substring(1, v.length() - 1);
        }
        List<Long> ids = new ArrayList<>();
        for (String s : v.split("[,\\s]+")) {
            if (!s.isBlank()) {
                ids.add(Long.parseLong(s.trim()));
            }
        }
        return ids;
    }
}
