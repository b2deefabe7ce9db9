package io.vertcd.log;

import net.openhft.chronicle.bytes.MappedBytesStore;
import net.openhft.chronicle.bytes.MappedFile;
import net.openhft.chronicle.core.OS;
import net.openhft.chronicle.core.io.ReferenceOwner;
import net.openhft.posix.MSyncFlag;
import net.openhft.posix.PosixAPI;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Start-up check that Chronicle's native {@code msync(2)} really reaches the kernel.
 *
 * <p>Why: Chronicle Queue makes data durable only through {@code MappedBytesStore.syncUpTo},
 * which calls {@code PosixAPI.posix().msync(addr, len, MS_SYNC)}. When the native binding (jnr-ffi)
 * cannot load, {@code PosixAPI.posix()} silently falls back to {@code NoOpPosixAPI}, whose
 * {@code msync} returns 0 without doing anything, and a failing msync is only logged, never
 * thrown. Either would make every "durable" acknowledgement a lie, so the log refuses to open.
 *
 * <p>How: in the WAL directory, map one page of a probe file with Chronicle's {@link MappedFile}
 * (the same mapping code the queue uses), dirty it, and require that
 * <ol>
 *   <li>{@code msync(pageAddress, pageSize, MS_SYNC)} returns 0, and</li>
 *   <li>{@code msync(pageAddress + 1, pageSize, MS_SYNC)} fails: POSIX requires a page-aligned
 *       address and Linux returns {@code EINVAL}; a no-op stand-in would return 0.</li>
 * </ol>
 * The probe file is deleted afterwards.
 */
final class NativeMsync {
    static final String PROBE_FILE = "msync-probe.tmp";

    private NativeMsync() {
    }

    /**
     * Verifies native msync in {@code dir} (which must exist and be writable).
     *
     * @param dir the WAL directory; msync is checked on the file system that will hold the log.
     * @throws WalException if the POSIX binding is missing, msync fails on a valid page, or msync
     *                      accepts an unaligned address (i.e. it is not a real system call).
     */
    static void verify(Path dir) throws WalException {
        PosixAPI posix;
        try {
            posix = PosixAPI.posix();
        } catch (Throwable t) {
            throw new WalException("wal: native POSIX API (jnr-ffi) unavailable; msync cannot be used", t);
        }
        Path probe = dir.resolve(PROBE_FILE);
        int pageSize = OS.pageSize();
        ReferenceOwner owner = ReferenceOwner.temporary("wal-msync-probe");
        MappedFile mappedFile = null;
        MappedBytesStore store = null;
        try {
            mappedFile = MappedFile.of(probe.toFile(), pageSize, 0, false);
            store = mappedFile.acquireByteStore(owner, 0);
            store.writeLong(0, System.nanoTime());
            long address = store.addressForWrite(0);
            int ok = posix.msync(address, pageSize, MSyncFlag.MS_SYNC);
            if (ok != 0) {
                throw new WalException("wal: msync failed on " + probe + ": " + posix.lastErrorStr());
            }
            int unaligned = posix.msync(address + 1, pageSize, MSyncFlag.MS_SYNC);
            if (unaligned == 0) {
                throw new WalException("wal: msync accepted an unaligned address; the POSIX binding ("
                        + posix.getClass().getName() + ") is not a real msync, refusing to start");
            }
        } catch (WalException e) {
            throw e;
        } catch (Throwable t) {
            throw new WalException("wal: cannot verify native msync in " + dir, t);
        } finally {
            if (store != null) {
                store.release(owner);
            }
            if (mappedFile != null) {
                mappedFile.releaseLast();
            }
            deleteQuietly(probe.toFile());
        }
    }

    private static void deleteQuietly(File file) {
        try {
            Files.deleteIfExists(file.toPath());
        } catch (IOException ignored) {
            // a stale probe file is harmless: it is not a .cq4 cycle file and is rewritten next start
        }
    }
}
