package io.vertcd.raft.transcript;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.vertcd.raft.ProgressState;
import io.vertcd.raft.Ready;
import io.vertcd.raft.ReadState;
import io.vertcd.raft.StateRole;
import io.vertcd.raft.pb.ConfChange;
import io.vertcd.raft.pb.ConfState;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.EntryType;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.Message;
import io.vertcd.raft.pb.MessageType;
import io.vertcd.raft.pb.Snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Compact, deterministic one-line renderings of Raft values in etcd's vocabulary: {@code StateLeader},
 * {@code MsgApp}, entries as {@code term/index EntryNormal "data"}, messages as
 * {@code 1->2 MsgApp Term:1 Log:1/10 Commit:10 Entries:[1/11 EntryNormal "foo"]}.
 */
final class Describe {
    private Describe() {
    }

    /** {@code MSG_APP_RESP} becomes {@code MsgAppResp}. */
    static String type(MessageType t) {
        return "Msg" + camel(t.name().substring("MSG_".length()));
    }

    static String role(StateRole r) {
        return "State" + camel(r.name());
    }

    static String progressState(ProgressState s) {
        return "State" + camel(s.name());
    }

    private static String camel(String upperSnake) {
        StringBuilder sb = new StringBuilder();
        for (String part : upperSnake.split("_")) {
            sb.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
        }
        return sb.toString();
    }

    static String entry(Entry e) {
        String head = e.getTerm() + "/" + e.getIndex() + " ";
        if (e.getType() == EntryType.ENTRY_CONF_CHANGE) {
            return head + "EntryConfChange " + confChange(e.getData());
        }
        return head + "EntryNormal " + quote(e.getData());
    }

    static String entries(List<Entry> es) {
        return es.stream().map(Describe::entry).collect(Collectors.joining(", ", "[", "]"));
    }

    /** {@code CONF_CHANGE_ADD_LEARNER_NODE} for node 4 becomes {@code AddLearnerNode 4}. */
    static String confChange(ByteString data) {
        try {
            ConfChange cc = ConfChange.parseFrom(data);
            return camel(cc.getType().name().substring("CONF_CHANGE_".length())) + " " + cc.getNodeId();
        } catch (InvalidProtocolBufferException e) {
            return "<undecodable " + quote(data) + ">";
        }
    }

    static String quote(ByteString data) {
        return '"' + data.toStringUtf8() + '"';
    }

    static String ids(List<Long> ids) {
        return ids.stream().sorted().map(String::valueOf).collect(Collectors.joining(" ", "[", "]"));
    }

    static String confState(ConfState cs) {
        return "Voters:" + ids(cs.getVotersList()) + " Learners:" + ids(cs.getLearnersList());
    }

    static String hardState(HardState hs) {
        return "HardState Term:" + hs.getTerm() + " Vote:" + hs.getVote() + " Commit:" + hs.getCommit();
    }

    static String snapshot(Snapshot s) {
        return "Index:" + s.getMetadata().getIndex() + " Term:" + s.getMetadata().getTerm() + " "
                + confState(s.getMetadata().getConfState());
    }

    /** One message; only the fields that mean something for its type are shown. */
    static String message(Message m) {
        MessageType t = m.getType();
        StringBuilder sb = new StringBuilder();
        sb.append(m.getFrom()).append("->").append(m.getTo()).append(' ').append(type(t)).append(" Term:").append(m.getTerm());
        boolean logged = switch (t) {
            case MSG_APP, MSG_APP_RESP, MSG_VOTE, MSG_PRE_VOTE -> true;
            case MSG_READ_INDEX_RESP -> false;
            default -> m.getLogTerm() != 0 || m.getIndex() != 0;
        };
        if (logged) {
            sb.append(" Log:").append(m.getLogTerm()).append('/').append(m.getIndex());
        }
        if (t == MessageType.MSG_READ_INDEX_RESP) {
            sb.append(" Index:").append(m.getIndex());
        }
        if (t == MessageType.MSG_APP || t == MessageType.MSG_HEARTBEAT || m.getCommit() != 0) {
            sb.append(" Commit:").append(m.getCommit());
        }
        if (m.getReject()) {
            sb.append(" Rejected (Hint: ").append(m.getRejectHint()).append(')');
        }
        if (m.getEntriesCount() > 0) {
            sb.append(" Entries:").append(entries(m.getEntriesList()));
        }
        if (!m.getContext().isEmpty()) {
            sb.append(" Context:").append(quote(m.getContext()));
        }
        if (m.hasSnapshot()) {
            sb.append(" Snapshot: ").append(snapshot(m.getSnapshot()));
        }
        return sb.toString();
    }

    static String readState(ReadState rs) {
        return "Index:" + rs.index() + " RequestCtx:" + quote(rs.requestCtx());
    }

    /** The non-empty fields of a Ready, one item per line. */
    static List<String> ready(Ready rd, List<Message> sent) {
        List<String> out = new ArrayList<>();
        out.add("Ready MustSync=" + rd.mustSync() + ":");
        if (rd.softState() != null) {
            out.add("Lead:" + rd.softState().lead() + " State:" + role(rd.softState().role()));
        }
        if (rd.hardState() != null) {
            out.add(hardState(rd.hardState()));
        }
        if (rd.snapshot() != null) {
            out.add("Snapshot " + snapshot(rd.snapshot()));
        }
        list(out, "Entries:", rd.entries().stream().map(Describe::entry).toList());
        list(out, "CommittedEntries:", rd.committedEntries().stream().map(Describe::entry).toList());
        list(out, "Messages:", sent.stream().map(Describe::message).toList());
        list(out, "ReadStates:", rd.readStates().stream().map(Describe::readState).toList());
        return out;
    }

    private static void list(List<String> out, String title, List<String> items) {
        if (!items.isEmpty()) {
            out.add(title);
            out.addAll(items);
        }
    }
}
