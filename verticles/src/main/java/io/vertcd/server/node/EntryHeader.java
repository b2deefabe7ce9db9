package io.vertcd.server.node;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.vertcd.statemachine.pb.InternalRequest;
import io.vertcd.statemachine.pb.RequestHeader;
import java.io.IOException;

/**
 * Reads only the header of a committed entry whose payload does not decode as a whole, so that its proposer can be
 * answered: the top-level fields are walked and skipped (a length-delimited field is skipped by its length, without
 * parsing what is inside), and {@code InternalRequest.header} (field 1) is parsed on its own.
 */
final class EntryHeader {
    /** The tag of field 1 (header), length-delimited: (1 << 3) | 2. */
    private static final int HEADER_TAG = (InternalRequest.HEADER_FIELD_NUMBER << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED;

    private EntryHeader() {
    }

    /**
     * @param data a normal entry's payload
     * @return its {@code header}, or the default header (ID 0: no proposer is answered) if even the header cannot be
     *     read
     */
    static RequestHeader read(ByteString data) {
        try {
            CodedInputStream in = data.newCodedInput();
            RequestHeader header = RequestHeader.getDefaultInstance();
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (tag == HEADER_TAG) {
                    header = RequestHeader.parseFrom(in.readBytes());
                } else if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_START_GROUP || !in.skipField(tag)) {
                    break; // no group is expected at the top: do not walk one
                }
            }
            return header;
        } catch (IOException | RuntimeException e) {
            return RequestHeader.getDefaultInstance();
        }
    }
}
