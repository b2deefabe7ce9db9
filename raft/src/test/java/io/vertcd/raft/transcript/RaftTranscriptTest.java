package io.vertcd.raft.transcript;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs every {@code src/test/resources/raft-transcripts/*.txt} as one dynamic test (syntax: {@link InteractionEnv}).
 * With {@code -Dtranscript.rewrite=true} the files' expected outputs are regenerated; read the diff before
 * committing it.
 */
class RaftTranscriptTest {
    private static final Path DIR = Path.of("src", "test", "resources", "raft-transcripts");

    @TestFactory
    Stream<DynamicTest> transcripts() throws IOException {
        boolean rewrite = Boolean.getBoolean("transcript.rewrite");
        List<Path> files;
        try (Stream<Path> s = Files.list(DIR)) {
            files = s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no transcripts in " + DIR.toAbsolutePath());
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), f.toUri(), () -> {
            TranscriptRunner.Result r = TranscriptRunner.run(f, rewrite);
            if (!r.mismatches().isEmpty()) {
                fail(r.mismatches().size() + " of " + r.commands() + " commands differ in " + f + "\n\n"
                        + String.join("\n\n", r.mismatches()));
            }
        }));
    }
}
