package io.vertcd.raft.transcript;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one transcript file: every command goes, in order, to a fresh {@link InteractionEnv}; its output is compared
 * with the block's expectation. In rewrite mode the actual outputs are written back into the file instead (to be
 * reviewed before committing).
 */
final class TranscriptRunner {
    /** Outcome of one file: the number of commands run and the mismatches (empty when it passed). */
    record Result(int commands, List<String> mismatches) {
    }

    private TranscriptRunner() {
    }

    static Result run(Path file, boolean rewrite) throws IOException {
        TranscriptFile tf = TranscriptFile.read(file);
        InteractionEnv env = new InteractionEnv();
        List<List<String>> outputs = new ArrayList<>();
        List<String> mismatches = new ArrayList<>();
        for (TranscriptFile.Block b : tf.blocks) {
            List<String> actual;
            try {
                actual = env.handle(Directive.parse(b.command(), b.line()));
            } catch (RuntimeException e) {
                throw new AssertionError(location(file, b) + ": '" + b.command() + "' failed: " + e, e);
            }
            outputs.add(actual);
            if (!actual.equals(b.expected())) {
                mismatches.add(location(file, b) + ": output of '" + b.command() + "' differs (- expected, + actual):\n"
                        + String.join("\n", LineDiff.diff(b.expected(), actual)));
            }
        }
        if (rewrite) {
            Files.writeString(file, tf.render(outputs), StandardCharsets.UTF_8);
            return new Result(tf.blocks.size(), List.of());
        }
        return new Result(tf.blocks.size(), mismatches);
    }

    private static String location(Path file, TranscriptFile.Block b) {
        return file.getFileName() + ":" + b.line();
    }
}
