package io.vertcd.statemachine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Small files replaced so that a crash leaves either the old or the new content, never a torn
 * one: write a temporary sibling, fsync it, rename it over the target, fsync the directory (the
 * rename is durable only then on Linux). Blocking I/O: never call on an event loop.
 */
public final class DurableFiles {
    private DurableFiles() {
    }

    /**
     * @param file the file to replace (its parent directory must exist)
     * @param bytes its whole new content
     * @throws IOException on any I/O failure; the old content is then still in place
     */
    public static void replace(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDir(file.getParent());
    }

    /** fsyncs a directory so that a rename or create in it is durable (Linux: open it read-only and force). */
    public static void syncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
