package io.vertcd.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** grpc-message encoding as grpc-go's encodeGrpcMessage (internal/transport/http_util.go) does it. */
class GrpcMessageTextTest {
    @Test
    void printableAsciiGoesOutAsIs() {
        assertEquals("etcdserver: mvcc: required revision has been compacted",
                GrpcMessageText.encode("etcdserver: mvcc: required revision has been compacted"));
        String printableButPercent = " !\"#$&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
                + "abcdefghijklmnopqrstuvwxyz{|}~";
        assertEquals(printableButPercent, GrpcMessageText.encode(printableButPercent));
    }

    @Test
    void percentControlAndNonAsciiBytesAreEscapedUpperCase() {
        assertEquals("100%25", GrpcMessageText.encode("100%"));
        assertEquals("a%0Ab%09c%7F", GrpcMessageText.encode("a\nb\tc\u007f"));
        assertEquals("caf%C3%A9 %E2%82%AC %F0%9F%98%80", GrpcMessageText.encode("café € \uD83D\uDE00"));
    }
}
