package io.vertcd.log;

import com.google.protobuf.ByteString;
import io.vertcd.raft.pb.ConfState;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.SnapshotMetadata;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Test helpers that build Raft records. */
final class Records {
    private Records() {
    }

    static Entry entry(long index, long term) {
        return Entry.newBuilder().setIndex(index).setTerm(term)
                .setData(ByteString.copyFrom("e" + index + "t" + term, StandardCharsets.UTF_8)).build();
    }

    static List<Entry> entries(long from, long to, long term) {
        List<Entry> list = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            list.add(entry(i, term));
        }
        return list;
    }

    static HardState hs(long term, long vote, long commit) {
        return HardState.newBuilder().setTerm(term).setVote(vote).setCommit(commit).build();
    }

    static SnapshotMetadata snap(long index, long term) {
        return SnapshotMetadata.newBuilder().setIndex(index).setTerm(term)
                .setConfState(ConfState.newBuilder().addVoters(1).addVoters(2).addVoters(3).addLearners(4)).build();
    }
}
