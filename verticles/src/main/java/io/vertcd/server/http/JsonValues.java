package io.vertcd.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts an HTTP body, as it arrives, into JSON values (objects, arrays or scalars, separated by whitespace), as Go's
 * {@code json.Decoder} reads a grpc-gateway request body one value at a time. Jackson's non-blocking parser does the
 * tokenizing; each value is re-emitted compactly for protobuf's JSON parser. Not thread-safe: one per body, used on
 * its event loop.
 *
 * <p>Bounds: a value longer than {@code maxValueBytes} (its compact form, or one string in it) fails with
 * {@link TooLarge}; nesting beyond Jackson's default (1,000) fails as invalid JSON. Only the current chunk and the
 * value being read are held.
 */
final class JsonValues {
    /** Go's io.ErrUnexpectedEOF text: the body ended inside a value. */
    static final String UNEXPECTED_EOF = "unexpected EOF";

    /** A value beyond the bound. */
    static final class TooLarge extends IOException {
        /** bytes of the value read before it passed the bound */
        final long size;

        TooLarge(long size) {
            super("JSON value larger than the limit");
            this.size = size;
        }
    }

    private final JsonParser parser;
    private final ByteArrayFeeder feeder;
    private final int maxValueBytes;
    private final ByteArrayOutputStream value = new ByteArrayOutputStream();
    private final JsonGenerator out;
    private int depth;
    private boolean inValue;

    /** @param maxValueBytes the largest value accepted, bytes */
    JsonValues(int maxValueBytes) {
        this.maxValueBytes = maxValueBytes;
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(maxValueBytes).build())
                .build();
        try {
            this.parser = factory.createNonBlockingByteArrayParser();
            this.out = factory.createGenerator(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        this.feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
    }

    /**
     * @param chunk the next bytes of the body
     * @return the values completed by it, compact JSON, in order (an empty list if none)
     * @throws IOException for invalid JSON ({@link TooLarge} beyond the bound)
     */
    List<String> feed(Buffer chunk) throws IOException {
        byte[] bytes = chunk.getBytes();
        feeder.feedInput(bytes, 0, bytes.length);
        return drain();
    }

    /**
     * The body has ended.
     *
     * @return the values completed by the end (a trailing number)
     * @throws IOException {@value #UNEXPECTED_EOF} if the body ended inside a value
     */
    List<String> end() throws IOException {
        feeder.endOfInput();
        List<String> values = drain();
        if (inValue) {
            throw new IOException(UNEXPECTED_EOF);
        }
        return values;
    }

    /** @return true when no value has been started since the last complete one */
    boolean betweenValues() {
        return !inValue;
    }

    private List<String> drain() throws IOException {
        List<String> values = new ArrayList<>(1);
        JsonToken t;
        while ((t = next()) != null && t != JsonToken.NOT_AVAILABLE) {
            inValue = true;
            out.copyCurrentEvent(parser);
            if (t.isStructStart()) {
                depth++;
            } else if (t.isStructEnd()) {
                depth--;
            }
            out.flush();
            if (value.size() > maxValueBytes) {
                throw new TooLarge(value.size());
            }
            if (depth == 0) {
                values.add(value.toString(StandardCharsets.UTF_8));
                value.reset();
                inValue = false;
            }
        }
        return values;
    }

    private JsonToken next() throws IOException {
        try {
            return parser.nextToken();
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            throw new TooLarge(maxValueBytes + 1L);
        } catch (com.fasterxml.jackson.core.io.JsonEOFException e) {
            throw new IOException(UNEXPECTED_EOF, e);
        } catch (com.fasterxml.jackson.core.JsonParseException e) {
            throw new IOException(GoJsonErrors.syntax(e.getOriginalMessage()), e);
        }
    }
}
