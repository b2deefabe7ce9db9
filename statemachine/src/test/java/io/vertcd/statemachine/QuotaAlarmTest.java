package io.vertcd.statemachine;

import static io.vertcd.statemachine.Reqs.get;
import static io.vertcd.statemachine.Reqs.op;
import static io.vertcd.statemachine.Reqs.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.api.AlarmMember;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmResponse;
import io.etcd.jetcd.api.AlarmType;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.vertcd.statemachine.pb.InternalRequest;
import io.vertcd.statemachine.pb.RequestHeader;
import org.junit.jupiter.api.Test;

class QuotaAlarmTest extends StoreFixture {
    private static final long QUOTA = 64 * 1024;

    @Override
    KvStoreOptions options() {
        return new KvStoreOptions(QUOTA, 1000);
    }

    private static InternalRequest alarm(AlarmRequest.AlarmAction action, long member, AlarmType type) {
        return InternalRequest.newBuilder().setHeader(RequestHeader.newBuilder().setId(1))
                .setAlarm(AlarmRequest.newBuilder().setAction(action).setMemberID(member).setAlarm(type)).build();
    }

    @Test
    void quotaPreCheckAndQuotaApplier() {
        assertFalse(kv.wouldExceedQuota(Quota.costPut(put("a", "b"))));
        assertTrue(kv.wouldExceedQuota(QUOTA));
        String big = "x".repeat(30 * 1024);
        ok(put("a", big));
        ok(put("b", big));
        assertTrue(kv.dbSizeInUseBytes() > 60 * 1024);
        assertTrue(kv.dbSizeBytes() >= kv.dbSizeInUseBytes());
        // etcd quotaApplierV3: the write over quota is applied, but answered with NO_SPACE
        ApplyResult over = apply(Reqs.wrap(5, put("c", big)));
        assertEquals(EtcdError.NO_SPACE, over.error().error());
        assertNotNull(over.response());
        assertEquals(4, ((PutResponse) over.response()).getHeader().getRevision());
        assertEquals(4, kv.currentRevision());
    }

    @Test
    void nospaceAlarmCapsWrites() throws Exception {
        ok(put("a", "1"));
        AlarmResponse on = ok(alarm(AlarmRequest.AlarmAction.ACTIVATE, 7, AlarmType.NOSPACE));
        assertEquals(1, on.getAlarmsCount());
        assertEquals(2, on.getHeader().getRevision());
        assertEquals(1, kv.alarms().size());
        assertEquals(EtcdError.NO_SPACE, fails(Reqs.wrap(2, put("b", "1"))));
        assertEquals(EtcdError.NO_SPACE, fails(Reqs.wrap(3, TxnRequest.newBuilder().addFailure(op(put("b", "1"))).build())));
        // reads, deletes and read-only txns still work
        TxnResponse ro = ok(TxnRequest.newBuilder().addSuccess(op(get("a"))).build());
        assertEquals(1, ro.getResponses(0).getResponseRange().getCount());
        ok(Reqs.wrap(4, Reqs.del("a", null)));
        AlarmResponse list = ok(alarm(AlarmRequest.AlarmAction.GET, 0, AlarmType.NONE));
        assertEquals(AlarmMember.newBuilder().setMemberID(7).setAlarm(AlarmType.NOSPACE).build(), list.getAlarms(0));
        AlarmResponse offOther = ok(alarm(AlarmRequest.AlarmAction.DEACTIVATE, 8, AlarmType.NOSPACE));
        assertEquals(0, offOther.getAlarmsCount(), "no such alarm: nothing deactivated");
        ok(alarm(AlarmRequest.AlarmAction.DEACTIVATE, 7, AlarmType.NOSPACE));
        assertTrue(kv.alarms().isEmpty());
        ok(put("b", "1"));
    }
}
