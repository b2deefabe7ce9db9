package io.vertcd.statemachine;

import java.nio.file.Path;
import net.openhft.posix.PosixAPI;

/**
 * Bytes of a sparse file that are backed by disk blocks, as {@code du} counts them: the sum of the file's data
 * extents, found with {@code lseek(fd, off, SEEK_DATA)} and {@code lseek(fd, off, SEEK_HOLE)} (Linux 3.1+) through
 * Chronicle's {@link PosixAPI}. Java's file attributes do not expose st_blocks.
 */
final class DiskUsage {
    private static final int O_RDONLY = 0;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;

    private DiskUsage() {}

    /** @return the bytes in data extents, or -1 if the file cannot be opened or the platform cannot seek holes */
    static long allocatedBytes(Path file) {
        PosixAPI posix;
        try {
            posix = PosixAPI.posix();
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
        int fd = posix.open(file.toString(), O_RDONLY, 0);
        if (fd < 0) {
            return -1;
        }
        try {
            long total = 0;
            long off = 0;
            while (true) {
                long data = posix.lseek(fd, off, SEEK_DATA);
                if (data < 0) {
                    return total; // ENXIO: no data at or after off
                }
                long hole = posix.lseek(fd, data, SEEK_HOLE);
                if (hole < 0) {
                    return -1;
                }
                total += hole - data;
                off = hole;
            }
        } finally {
            posix.close(fd);
        }
    }
}
