package io.vertcd.server.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The auth flags: {@code --auth-token} (etcd embed/config.go AuthToken: {@code simple}, or
 * {@code jwt,pub-key=<file>,priv-key=<file>,sign-method=<alg>,ttl=<duration>}), {@code --auth-token-ttl} and
 * {@code --bcrypt-cost}.
 *
 * @param tokenType {@code simple} or {@code jwt}
 * @param tokenOptions the {@code key=value} options after the type (jwt: pub-key, priv-key, sign-method, ttl)
 * @param tokenTtlSeconds {@code --auth-token-ttl}: how long a simple token lives after its last use, seconds
 * @param bcryptCost {@code --bcrypt-cost}
 */
public record AuthOptions(String tokenType, Map<String, String> tokenOptions, long tokenTtlSeconds, int bcryptCost) {
    /** etcd's defaults: simple tokens, 300 s, cost 10. */
    public static final AuthOptions DEFAULT = new AuthOptions("simple", Map.of(), 300, 10);

    public AuthOptions {
        tokenOptions = Map.copyOf(tokenOptions);
    }

    /**
     * Parses {@code --auth-token} as etcd's auth.NewTokenProvider does.
     *
     * @throws ConfigException for an unknown token type or an option without {@code =}
     */
    public static AuthOptions parse(String authToken, long ttlSeconds, int bcryptCost) throws ConfigException {
        String[] parts = authToken.split(",");
        String type = parts[0];
        if (!type.equals("simple") && !type.equals("jwt")) {
            throw new ConfigException("vertcd: unknown token type: " + type);
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq < 0) {
                throw new ConfigException("vertcd: invalid auth options: " + parts[i]);
            }
            options.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
        }
        if (ttlSeconds <= 0) {
            throw new ConfigException("vertcd: --auth-token-ttl must be positive");
        }
        return new AuthOptions(type, options, ttlSeconds, bcryptCost);
    }
}
