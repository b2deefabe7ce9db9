package io.vertcd.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class GoDurationsTest {
    @Test
    void parsesGoDurations() throws Exception {
        assertEquals(600_000, GoDurations.parseMs("f", "10m"));
        assertEquals(5_400_000, GoDurations.parseMs("f", "1h30m"));
        assertEquals(1500, GoDurations.parseMs("f", "1.5s"));
        assertEquals(200, GoDurations.parseMs("f", "200ms"));
        assertEquals(0, GoDurations.parseMs("f", "0"));
    }

    @Test
    void refusesMalformed() {
        for (String bad : new String[] {"", "10", "m", "10x", "1h 2m", "-1s"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> GoDurations.parseMs("--flag", bad), bad);
            assertEquals("vertcd: invalid duration '" + bad + "' for --flag", e.getMessage());
        }
    }
}
