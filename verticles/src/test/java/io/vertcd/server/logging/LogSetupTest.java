package io.vertcd.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** --logger zap writes zap-shaped JSON lines to every output; capnslog writes text lines. */
class LogSetupTest {
    @TempDir
    Path dir;

    @AfterEach
    void restore() throws Exception {
        LogSetup.configure("capnslog", List.of("stderr"), "INFO");
    }

    @Test
    void zapLinesToSeveralFiles() throws Exception {
        Path a = dir.resolve("a.log");
        Path b = dir.resolve("b.log");
        LogSetup.configure("zap", List.of(a.toString(), b.toString()), "INFO");
        Logger log = LoggerFactory.getLogger(LogSetupTest.class);
        log.atInfo().setMessage("published local member to cluster through raft")
                .addKeyValue("local-member-id", "8e9e05c52164694d").addKeyValue("peer-urls", List.of("http://x:2380"))
                .addKeyValue("snapshot-count", 100000).log();
        log.warn("something failed", new IllegalStateException("boom"));
        log.debug("not at info");
        for (Path p : List.of(a, b)) {
            List<JsonNode> lines = new ArrayList<>();
            for (String l : Files.readAllLines(p)) {
                lines.add(new ObjectMapper().readTree(l));
            }
            assertEquals(2, lines.size(), lines.toString());
            JsonNode first = lines.get(0);
            assertEquals(List.of("level", "ts", "caller", "msg", "local-member-id", "peer-urls", "snapshot-count"),
                    iterable(first), "zap's field order");
            assertEquals("info", first.get("level").asText());
            assertTrue(first.get("ts").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"));
            assertTrue(first.get("caller").asText().startsWith("logging/LogSetupTest.java:"), first.toString());
            assertEquals("8e9e05c52164694d", first.get("local-member-id").asText());
            assertEquals("http://x:2380", first.get("peer-urls").get(0).asText());
            assertEquals(100000, first.get("snapshot-count").asInt());
            assertEquals("warn", lines.get(1).get("level").asText());
            assertTrue(lines.get(1).get("stacktrace").asText().contains("boom"));
        }
    }

    @Test
    void capnslogTextLine() throws Exception {
        Path a = dir.resolve("c.log");
        // capnslog accepts only the standard streams (ServerCommand checks); LogSetup itself writes a file too
        LogSetup.configure("capnslog", List.of(a.toString()), "INFO");
        LoggerFactory.getLogger(LogSetupTest.class).atInfo().setMessage("ready").addKeyValue("address", "h:1").log();
        LoggerFactory.getLogger(LogSetupTest.class).info("plain");
        List<String> lines = Files.readAllLines(a);
        assertTrue(lines.get(0).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6} I \\| LogSetupTest: ready address=\"h:1\""),
                lines.get(0));
        assertTrue(lines.get(1).endsWith("LogSetupTest: plain"), lines.get(1));
        assertFalse(lines.get(1).endsWith(" "));
    }

    private static List<String> iterable(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
