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

    @Test
    void formatsAsGo() {
        org.junit.jupiter.api.Assertions.assertEquals("100ms", GoDurations.format(100));
        org.junit.jupiter.api.Assertions.assertEquals("1s", GoDurations.format(1000));
        org.junit.jupiter.api.Assertions.assertEquals("1.5s", GoDurations.format(1500));
        org.junit.jupiter.api.Assertions.assertEquals("5m0s", GoDurations.format(300_000));
        org.junit.jupiter.api.Assertions.assertEquals("1h30m0s", GoDurations.format(5_400_000));
        org.junit.jupiter.api.Assertions.assertEquals("0s", GoDurations.format(0));
    }
}
