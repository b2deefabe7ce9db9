package io.vertcd.raft.transcript;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A transcript file parsed into blocks (the etcd datadriven layout): comment and blank lines, one command line, a
 * {@code ----} line, and the expected output up to the next blank line. Rendering a file with new outputs keeps the
 * comments and commands as they were, which is how rewrite mode regenerates expectations.
 */
final class TranscriptFile {
    static final String SEPARATOR = "----";

    /**
     * One command and what it should print.
     *
     * @param preamble comment and blank lines before the command, verbatim
     * @param command  the command line
     * @param line     1-based line number of the command
     * @param expected the expected output lines
     */
    record Block(List<String> preamble, String command, int line, List<String> expected) {
    }

    final Path path;
    final List<Block> blocks;
    /** Comment and blank lines after the last block. */
    final List<String> trailer;

    private TranscriptFile(Path path, List<Block> blocks, List<String> trailer) {
        this.path = path;
        this.blocks = blocks;
        this.trailer = trailer;
    }

    static TranscriptFile read(Path path) throws IOException {
        List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        List<Block> blocks = new ArrayList<>();
        List<String> preamble = new ArrayList<>();
        int i = 0;
        while (i < lines.size()) {
            String l = lines.get(i);
            if (l.isBlank() || l.startsWith("#")) {
                preamble.add(l);
                i++;
                continue;
            }
            int commandLine = i + 1;
            if (i + 1 >= lines.size() || !lines.get(i + 1).equals(SEPARATOR)) {
                throw new IllegalArgumentException(path.getFileName() + ":" + commandLine + ": expected " + SEPARATOR
                        + " after command '" + l + "'");
            }
            i += 2;
            List<String> expected = new ArrayList<>();
            while (i < lines.size() && !lines.get(i).isEmpty()) {
                expected.add(lines.get(i));
                i++;
            }
            blocks.add(new Block(List.copyOf(preamble), l, commandLine, expected));
            preamble.clear();
        }
        return new TranscriptFile(path, blocks, List.copyOf(preamble));
    }

    /** @return the file text with block {@code i}'s output replaced by {@code outputs.get(i)} */
    String render(List<List<String>> outputs) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < blocks.size(); i++) {
            Block b = blocks.get(i);
            b.preamble().forEach(l -> sb.append(l).append('\n'));
            sb.append(b.command()).append('\n').append(SEPARATOR).append('\n');
            outputs.get(i).forEach(l -> sb.append(l).append('\n'));
        }
        trailer.forEach(l -> sb.append(l).append('\n'));
        return sb.toString();
    }
}
