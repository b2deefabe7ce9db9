package io.vertcd.statemachine;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.Message;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.TxnRequest;
import io.vertcd.statemachine.pb.InternalRequest;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Opens a small store per test and applies requests at increasing Raft indexes. */
abstract class StoreFixture {
    @TempDir
    Path dir;
    KvStore kv;
    long index;

    KvStoreOptions options() {
        return new KvStoreOptions(0, 1000);
    }

    @BeforeEach
    void openStore() throws IOException {
        kv = KvStore.open(dir.resolve("snap"), options());
    }

    @AfterEach
    void closeStore() {
        if (kv != null) {
            kv.close();
        }
    }

    ApplyResult apply(InternalRequest r) {
        ApplyResult res = kv.apply(++index, 1, r);
        assertNotNull(res);
        return res;
    }

    @SuppressWarnings("unchecked")
    <T extends Message> T ok(InternalRequest r) {
        ApplyResult res = apply(r);
        assertNull(res.error(), () -> "unexpected error " + res.error().getMessage());
        return (T) res.response();
    }

    <T extends Message> T ok(PutRequest p) {
        return ok(Reqs.wrap(index + 1, p));
    }

    <T extends Message> T ok(DeleteRangeRequest d) {
        return ok(Reqs.wrap(index + 1, d));
    }

    <T extends Message> T ok(TxnRequest t) {
        return ok(Reqs.wrap(index + 1, t));
    }

    EtcdError fails(InternalRequest r) {
        ApplyResult res = apply(r);
        assertNotNull(res.error(), "expected an error");
        return res.error().error();
    }
}
