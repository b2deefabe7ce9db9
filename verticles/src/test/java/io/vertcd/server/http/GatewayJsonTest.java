package io.vertcd.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.vertx.core.buffer.Buffer;
import io.vertx.grpc.common.GrpcStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The gateway's JSON without a server: the mapping etcd's gateway uses, Go's texts for bad input (the strings are
 * the ones etcd 3.4's gateway answered with, checked with curl), and the body splitter's bounds.
 */
class GatewayJsonTest {
    @Test
    void printsAsEtcdsGateway() {
        RangeResponse r = RangeResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setClusterId(-1L).setRevision(2).setRaftTerm(2))
                .setCount(1).build();
        assertEquals("{\"header\":{\"cluster_id\":\"18446744073709551615\",\"revision\":\"2\",\"raft_term\":\"2\"},"
                + "\"count\":\"1\"}", GatewayJson.print(r));
    }

    @Test
    void parsesLeniencyAsGo() throws Exception {
        RangeRequest r = GatewayJson.parse("{\"key\":\"Zm9v\",\"countOnly\":true,\"limit\":5,\"bogus\":{\"x\":1}}",
                RangeRequest.getDefaultInstance());
        assertEquals(ByteString.copyFromUtf8("foo"), r.getKey());
        assertTrue(r.getCountOnly());
        assertEquals(5, r.getLimit());
        assertEquals(RangeRequest.getDefaultInstance(), GatewayJson.parse("null", RangeRequest.getDefaultInstance()));
    }

    @Test
    void goTextsForBadBase64AndEnums() {
        assertEquals("illegal base64 data at input byte 0", parseError("{\"key\":\"!!!\"}"));
        assertEquals("illegal base64 data at input byte 0", parseError("{\"key\":\"Zm9\"}"));
        assertEquals("illegal base64 data at input byte 0", parseError("{\"key\":\"5\"}"));
        assertEquals("illegal base64 data at input byte 4", parseError("{\"key\":\"Zm9v!\"}"));
        assertEquals("unknown value \"XX\" for enum etcdserverpb.RangeRequest_SortOrder",
                parseError("{\"key\":\"Zm9v\",\"sort_order\":\"XX\"}"));
        assertNull(GoJsonErrors.base64Error("Zm9vYg=="));
        assertNull(GoJsonErrors.base64Error("Zm9v\r\nYmFy"));
        assertEquals("illegal base64 data at input byte 4", GoJsonErrors.base64Error("Zm9v=mFy"));
    }

    private static String parseError(String json) {
        return assertThrows(InvalidProtocolBufferException.class,
                () -> GatewayJson.parse(json, RangeRequest.getDefaultInstance())).getMessage();
    }

    @Test
    void errorShapes() {
        assertEquals("{\"error\":\"etcdserver: key is not provided\",\"message\":\"etcdserver: key is not provided\","
                + "\"code\":3}", GatewayJson.error(GrpcStatus.INVALID_ARGUMENT, "etcdserver: key is not provided"));
        assertEquals("{\"error\":{\"grpc_code\":3,\"http_code\":400,\"message\":\"m\",\"http_status\":\"Bad Request\"}}",
                GatewayJson.streamError(GrpcStatus.INVALID_ARGUMENT, "m"));
        assertEquals(429, GatewayJson.httpStatus(GrpcStatus.RESOURCE_EXHAUSTED));
        assertEquals(501, GatewayJson.httpStatus(GrpcStatus.UNIMPLEMENTED));
        assertEquals(400, GatewayJson.httpStatus(GrpcStatus.OUT_OF_RANGE));
        assertEquals(500, GatewayJson.httpStatus(GrpcStatus.UNKNOWN));
    }

    @Test
    void splitsValuesAcrossChunks() throws Exception {
        JsonValues v = new JsonValues(1024);
        List<String> got = new ArrayList<>(v.feed(Buffer.buffer("{\"a\": [1, {\"b\"")));
        assertTrue(got.isEmpty());
        got.addAll(v.feed(Buffer.buffer(": \"x}\"}]}\n {\"c\":2} 7")));
        got.addAll(v.end());
        assertEquals(List.of("{\"a\":[1,{\"b\":\"x}\"}]}", "{\"c\":2}", "7"), got.stream().map(String::strip).toList());
    }

    @Test
    void boundsAndSyntaxErrors() throws Exception {
        assertEquals(JsonValues.UNEXPECTED_EOF, assertThrows(IOException.class, () -> {
            JsonValues v = new JsonValues(1024);
            v.feed(Buffer.buffer("{\"key\":\"Zm9v"));
            v.end();
        }).getMessage());
        assertEquals("invalid character 'x' looking for beginning of value",
                assertThrows(IOException.class, () -> new JsonValues(1024).feed(Buffer.buffer("xyz "))).getMessage());
        assertEquals("invalid character '}' looking for beginning of object key string",
                assertThrows(IOException.class, () -> new JsonValues(1024).feed(Buffer.buffer("{\"a\":1,}")))
                        .getMessage());
        assertThrows(JsonValues.TooLarge.class, () -> new JsonValues(100).feed(Buffer.buffer("{\"key\":\""
                + "A".repeat(200) + "\"}")));
        JsonValues many = new JsonValues(100);
        assertThrows(JsonValues.TooLarge.class, () -> {
            for (int i = 0; i < 100; i++) {
                many.feed(Buffer.buffer("[1,2,3,4,5,6,7,8,9,"));
            }
        });
    }
}
