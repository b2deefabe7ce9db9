package io.vertcd.server.auth;

import io.vertcd.server.cli.AuthOptions;
import io.vertcd.server.cli.ConfigException;
import io.vertcd.statemachine.auth.TokenProvider;

/** Builds the member's token provider from {@code --auth-token} (etcd auth.NewTokenProvider). */
public final class TokenProviders {
    private TokenProviders() {
    }

    /**
     * @return {@link SimpleTokens} living {@code --auth-token-ttl} after their last use, or {@link JwtTokens}
     * @throws ConfigException for bad jwt options or keys that do not read (blocking file I/O: call at start-up, off
     *     the event loops)
     */
    public static TokenProvider create(AuthOptions options) throws ConfigException {
        if (options.tokenType().equals("jwt")) {
            return JwtTokens.create(options.tokenOptions(), System::currentTimeMillis);
        }
        return new SimpleTokens(options.tokenTtlSeconds() * 1000, () -> System.nanoTime() / 1_000_000);
    }
}
