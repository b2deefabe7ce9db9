package io.vertcd.server.peer;

import com.google.protobuf.InvalidProtocolBufferException;
import io.vertcd.raft.pb.Message;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The body of a snapshot POST ({@link PeerWire#SNAPSHOT_PATH}), all integers big-endian:
 * <pre>
 *   u32 length, Message (the MSG_SNAP, protobuf), u32 fileCount,
 *   fileCount times: u16 nameLength, name (UTF-8, relative path with '/'), u64 size, size bytes
 * </pre>
 * File contents travel in whatever chunks HTTP/2 delivers; the {@link Decoder} hands them on as they
 * come, so no file is ever held in memory whole.
 */
public final class SnapshotCodec {
    private SnapshotCodec() {
    }

    /** @return the body's opening: the message and the number of files that follow */
    public static Buffer header(Message msgSnap, int fileCount) {
        byte[] m = msgSnap.toByteArray();
        return Buffer.buffer(8 + m.length).appendInt(m.length).appendBytes(m).appendInt(fileCount);
    }

    /** @return the header of one file: its relative name and size in bytes */
    public static Buffer fileHeader(String name, long size) {
        checkName(name);
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (n.length > 0xFFFF) {
            throw new IllegalArgumentException("file name too long: " + name);
        }
        return Buffer.buffer(10 + n.length).appendUnsignedShort(n.length).appendBytes(n).appendLong(size);
    }

    /**
     * @param name a file name from the wire or the sender's list
     * @throws IllegalArgumentException unless it is a non-empty, normalized, relative path without
     *         {@code ..} (a receiver must never write outside its temp directory)
     */
    public static void checkName(String name) {
        Path p = Path.of(name);
        if (name.isEmpty() || p.isAbsolute() || !p.normalize().equals(p) || !p.toString().equals(name)
                || name.contains("\\")) {
            throw new IllegalArgumentException("bad snapshot file name: '" + name + "'");
        }
        for (Path part : p) {
            if (part.toString().equals("..") || part.toString().equals(".")) {
                throw new IllegalArgumentException("bad snapshot file name: '" + name + "'");
            }
        }
    }

    /** Receives the decoded parts of a body, in order. */
    public interface Sink {
        /** The MSG_SNAP and how many files follow. */
        void onHeader(Message msgSnap, int fileCount);

        /** A file begins; its {@code size} bytes follow in {@link #onFileData} calls. */
        void onFileStart(String name, long size);

        /** The next piece of the current file. */
        void onFileData(Buffer chunk);

        /** The current file is complete. */
        void onFileEnd();
    }

    /** Incremental decoder of one body. Not thread-safe. */
    public static final class Decoder {
        private enum State { MSG_LEN, MSG, COUNT, NAME_LEN, NAME, SIZE, DATA, DONE }

        private final Sink sink;
        private final int maxMessageBytes;
        private State state = State.MSG_LEN;
        private int need = 4;
        private Buffer pending = Buffer.buffer();
        private int filesLeft;
        private Message headerMessage;
        private String name;
        private long dataLeft;

        /**
         * @param sink receives the parts
         * @param maxMessageBytes bound on the MSG_SNAP's encoded size, bytes
         */
        public Decoder(Sink sink, int maxMessageBytes) {
            this.sink = sink;
            this.maxMessageBytes = maxMessageBytes;
        }

        /** @return true once every announced file has been received */
        public boolean complete() {
            return state == State.DONE;
        }

        /**
         * @param chunk the next bytes of the body
         * @throws IllegalArgumentException on a malformed body (bad length, bad name, trailing bytes)
         */
        public void feed(Buffer chunk) {
            int pos = 0;
            while (pos < chunk.length()) {
                if (state == State.DONE) {
                    throw new IllegalArgumentException("bytes after the last snapshot file");
                }
                if (state == State.DATA) {
                    int n = (int) Math.min(dataLeft, chunk.length() - pos);
                    sink.onFileData(chunk.slice(pos, pos + n));
                    pos += n;
                    dataLeft -= n;
                    if (dataLeft == 0) {
                        endFile();
                    }
                    continue;
                }
                int n = Math.min(need - pending.length(), chunk.length() - pos);
                pending.appendBuffer(chunk, pos, n);
                pos += n;
                if (pending.length() == need) {
                    Buffer field = pending;
                    pending = Buffer.buffer();
                    onField(field);
                }
            }
        }

        private void onField(Buffer f) {
            switch (state) {
                case MSG_LEN -> {
                    int len = f.getInt(0);
                    if (len < 0 || len > maxMessageBytes) {
                        throw new IllegalArgumentException("snapshot message of " + len + " bytes");
                    }
                    expect(State.MSG, len);
                }
                case MSG -> {
                    try {
                        headerMessage = Message.parseFrom(f.getBytes());
                        expect(State.COUNT, 4);
                    } catch (InvalidProtocolBufferException e) {
                        throw new IllegalArgumentException("bad snapshot message", e);
                    }
                }
                case COUNT -> {
                    filesLeft = f.getInt(0);
                    if (filesLeft < 0) {
                        throw new IllegalArgumentException("negative file count");
                    }
                    sink.onHeader(headerMessage, filesLeft);
                    nextFile();
                }
                case NAME_LEN -> expect(State.NAME, f.getUnsignedShort(0));
                case NAME -> {
                    name = f.toString(StandardCharsets.UTF_8);
                    checkName(name);
                    expect(State.SIZE, 8);
                }
                case SIZE -> {
                    dataLeft = f.getLong(0);
                    if (dataLeft < 0) {
                        throw new IllegalArgumentException("negative size of " + name);
                    }
                    sink.onFileStart(name, dataLeft);
                    state = State.DATA;
                    if (dataLeft == 0) {
                        endFile();
                    }
                }
                default -> throw new IllegalStateException(state.name());
            }
        }

        private void endFile() {
            sink.onFileEnd();
            filesLeft--;
            nextFile();
        }

        private void nextFile() {
            if (filesLeft == 0) {
                state = State.DONE;
            } else {
                expect(State.NAME_LEN, 2);
            }
        }

        private void expect(State s, int bytes) {
            state = s;
            need = bytes;
            if (bytes == 0) {
                onField(Buffer.buffer()); // a zero-length field is complete at once
            }
        }
    }
}
