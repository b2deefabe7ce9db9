package io.vertcd.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertcd.server.auth.JwtTokens;
import io.vertcd.server.auth.SimpleTokens;
import io.vertcd.server.auth.TokenProviders;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code --auth-token}, {@code --auth-token-ttl}, {@code --bcrypt-cost} and their {@code ETCD_*} variables. */
class AuthFlagsTest {
    private static ServerConfig parse(Map<String, String> env, String... args) throws ConfigException {
        var cl = ServerCommand.commandLine(env);
        cl.parseArgs(args);
        return cl.<ServerCommand>getCommand().toConfig();
    }

    @Test
    void defaultsAreEtcds() throws Exception {
        AuthOptions a = parse(Map.of()).auth();
        assertEquals(AuthOptions.DEFAULT, a);
        assertTrue(TokenProviders.create(a) instanceof SimpleTokens);
    }

    @Test
    void flagsAndEnvironment() throws Exception {
        AuthOptions a = parse(Map.of("ETCD_BCRYPT_COST", "4"), "--auth-token-ttl", "60",
                "--auth-token", "jwt,sign-method=HS256,priv-key=/k,ttl=1m").auth();
        assertEquals("jwt", a.tokenType());
        assertEquals(Map.of("sign-method", "HS256", "priv-key", "/k", "ttl", "1m"), a.tokenOptions());
        assertEquals(60, a.tokenTtlSeconds());
        assertEquals(4, a.bcryptCost());
    }

    @Test
    void badValuesAreRefused() {
        assertEquals("vertcd: unknown token type: foo",
                assertThrows(ConfigException.class, () -> parse(Map.of(), "--auth-token", "foo")).getMessage());
        assertEquals("vertcd: invalid auth options: nokeyvalue",
                assertThrows(ConfigException.class, () -> parse(Map.of(), "--auth-token", "jwt,nokeyvalue")).getMessage());
        assertEquals("vertcd: auth: invalid auth signature method", assertThrows(ConfigException.class,
                () -> JwtTokens.create(Map.of("sign-method", "XX1"), System::currentTimeMillis)).getMessage());
        assertEquals("vertcd: auth: missing key data", assertThrows(ConfigException.class,
                () -> JwtTokens.create(Map.of("sign-method", "RS256"), System::currentTimeMillis)).getMessage());
    }
}
