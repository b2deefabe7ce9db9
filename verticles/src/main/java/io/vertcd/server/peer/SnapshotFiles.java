package io.vertcd.server.peer;

import java.nio.file.Path;
import java.util.List;

/**
 * A state-machine snapshot as files to stream: the files must not change until the transport reports
 * the snapshot's outcome through {@link PeerListener#reportSnapshot}.
 *
 * @param baseDir directory the names are relative to
 * @param names relative file names (may contain '/'), each checked by {@link SnapshotCodec#checkName}
 */
public record SnapshotFiles(Path baseDir, List<String> names) {
    /** @throws IllegalArgumentException on a name that is not a plain relative path */
    public SnapshotFiles {
        names = List.copyOf(names);
        names.forEach(SnapshotCodec::checkName);
    }
}
