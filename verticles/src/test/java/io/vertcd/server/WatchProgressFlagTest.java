package io.vertcd.server;

import io.vertcd.server.cli.ConfigException;
import io.vertcd.server.cli.ServerCommand;
import io.vertcd.server.cli.ServerConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --experimental-watch-progress-notify-interval}: supported, etcd's default 10m, Go durations. */
class WatchProgressFlagTest {
    private static ServerConfig config(Map<String, String> env, String... flags) throws ConfigException {
        CommandLine cl = ServerCommand.commandLine(env);
        List<String> args = new ArrayList<>(List.of("--data-dir", "/tmp/unused"));
        args.addAll(List.of(flags));
        cl.parseArgs(args.toArray(String[]::new));
        return cl.<ServerCommand>getCommand().toConfig();
    }

    @Test
    void defaultsToTenMinutes() throws Exception {
        assertEquals(600_000, config(Map.of()).watchProgressNotifyIntervalMs());
    }

    @Test
    void takesFlagOrEnvironment() throws Exception {
        assertEquals(1500, config(Map.of(), "--experimental-watch-progress-notify-interval", "1.5s")
                .watchProgressNotifyIntervalMs());
        assertEquals(30_000, config(Map.of("ETCD_EXPERIMENTAL_WATCH_PROGRESS_NOTIFY_INTERVAL", "30s"))
                .watchProgressNotifyIntervalMs());
    }

    @Test
    void refusesZeroAndGarbage() {
        ConfigException zero = assertThrows(ConfigException.class,
                () -> config(Map.of(), "--experimental-watch-progress-notify-interval", "0"));
        assertEquals("vertcd: --experimental-watch-progress-notify-interval must be positive", zero.getMessage());
        ConfigException bad = assertThrows(ConfigException.class,
                () -> config(Map.of(), "--experimental-watch-progress-notify-interval", "soon"));
        assertEquals("vertcd: invalid duration 'soon' for --experimental-watch-progress-notify-interval", bad.getMessage());
    }
}
