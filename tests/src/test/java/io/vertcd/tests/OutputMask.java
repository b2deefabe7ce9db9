package io.vertcd.tests;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The complete, explicit list of what {@link EtcdctlCompatibilityTest} hides before comparing
 * etcdctl's output from real etcd with its output from vertcd. Everything else, byte for byte, must
 * be identical; a difference is a vertcd bug.
 *
 * <p>Not masked, on purpose: ports and URLs (both members run one after the other on the same
 * ports), member and cluster IDs (etcd derives them deterministically from the peer URLs and
 * {@code --initial-cluster-token}: etcd {@code etcdserver/api/membership/member.go NewMember},
 * {@code cluster.go genID}), revisions, and {@code raft_term} in response headers of KV calls.
 *
 * <ol>
 *   <li><b>etcdctl's own retry warning</b>: when a call fails, etcdctl (clientv3
 *       {@code retry_interceptor.go}) logs a JSON line whose {@code "ts"} is the wall clock and whose
 *       {@code target} names a random client UUID. Both come from etcdctl, not the server; the rest of
 *       the line (gRPC code and message) is compared.
 *   <li><b>{@code endpoint health}</b>: the {@code took} duration of the health probe (simple, json and
 *       table formats).
 *   <li><b>{@code endpoint status}</b>: {@code version} (the server's version string), {@code dbSize} and
 *       {@code dbSizeInUse} (bytes of the storage engine: bbolt vs Chronicle Map), {@code raftIndex},
 *       {@code raftAppliedIndex}, {@code raftTerm} and the header's {@code raft_term} (how many log
 *       entries a start-up and a request take is an implementation detail). Table format: the
 *       columns VERSION, DB SIZE, RAFT TERM, RAFT INDEX and RAFT APPLIED INDEX; simple format: the
 *       same fields by position.
 *   <li><b>Table layout</b> of those two commands: cell padding and border widths follow the masked
 *       cells' widths, so masked tables are compared cell by cell with padding trimmed.
 * </ol>
 */
public final class OutputMask {
    private static final Pattern LOG_TS = Pattern.compile("\"ts\":\"[^\"]*\"");
    private static final Pattern CLIENT_UUID = Pattern.compile("client-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern TOOK_SIMPLE = Pattern.compile("took = \\S+");
    private static final Pattern TOOK_JSON = Pattern.compile("\"took\":\"[^\"]*\"");
    private static final Pattern STATUS_JSON = Pattern.compile(
            "\"(version|dbSize|dbSizeInUse|raftIndex|raftTerm|raftAppliedIndex|raft_term)\":(\"[^\"]*\"|\\d+)");
    private static final Set<String> HEALTH_COLUMNS = Set.of("TOOK");
    private static final Set<String> STATUS_COLUMNS = Set.of("VERSION", "DB SIZE", "RAFT TERM", "RAFT INDEX",
            "RAFT APPLIED INDEX");

    private OutputMask() {
    }

    /**
     * @param args the etcdctl arguments that produced the text
     * @param text stdout or stderr
     * @return the text with the masks above applied for that command
     */
    public static String apply(List<String> args, String text) {
        String s = LOG_TS.matcher(text).replaceAll("\"ts\":\"<ts>\"");
        s = CLIENT_UUID.matcher(s).replaceAll("client-<uuid>");
        if (isCommand(args, "endpoint", "health")) {
            s = TOOK_SIMPLE.matcher(s).replaceAll("took = <took>");
            s = TOOK_JSON.matcher(s).replaceAll("\"took\":\"<took>\"");
            s = maskTable(s, HEALTH_COLUMNS);
        } else if (isCommand(args, "endpoint", "status")) {
            s = STATUS_JSON.matcher(s).replaceAll("\"$1\":<masked>");
            s = maskTable(s, STATUS_COLUMNS);
            s = maskSimpleStatus(s);
        }
        return s;
    }

    /**
     * The default ("simple") format of {@code endpoint status} prints one line per endpoint:
     * {@code endpoint, id, version, dbSize, isLeader, isLearner, raftTerm, raftIndex, raftAppliedIndex, errors}.
     * Masks the same fields as the JSON and table formats (positions 2, 3, 6, 7 and 8).
     */
    private static String maskSimpleStatus(String s) {
        StringBuilder out = new StringBuilder();
        for (String line : s.split("\n", -1)) {
            String[] f = line.split(", ", -1);
            if (f.length == 10 && !line.startsWith("|") && !line.startsWith("[")) {
                for (int i : new int[] {2, 3, 6, 7, 8}) {
                    f[i] = "<masked>";
                }
                line = String.join(", ", f);
            }
            out.append(line).append('\n');
        }
        return out.substring(0, out.length() - 1);
    }

    private static boolean isCommand(List<String> args, String first, String second) {
        List<String> words = args.stream().filter(a -> !a.startsWith("-")).toList();
        return words.size() >= 2 && words.get(0).equals(first) && words.get(1).equals(second);
    }

    /**
     * Rewrites a tablewriter table: border lines become {@code +}, cells are trimmed, cells of the
     * given columns become {@code <masked>}. Text that is not a table is returned unchanged.
     */
    static String maskTable(String text, Set<String> maskedColumns) {
        if (!text.startsWith("+-")) {
            return text;
        }
        List<String> out = new ArrayList<>();
        List<Integer> masked = new ArrayList<>();
        boolean header = true;
        for (String line : text.split("\n", -1)) {
            if (line.startsWith("+")) {
                out.add("+");
                continue;
            }
            if (!line.startsWith("|")) {
                out.add(line);
                continue;
            }
            String[] cells = line.substring(1).split("\\|", -1);
            StringBuilder b = new StringBuilder("|");
            for (int i = 0; i < cells.length - 1; i++) {
                String c = cells[i].trim();
                if (header && maskedColumns.contains(c)) {
                    masked.add(i);
                } else if (!header && masked.contains(i) && !c.isEmpty()) {
                    c = "<masked>";
                }
                b.append(c).append('|');
            }
            header = false;
            out.add(b.toString());
        }
        return String.join("\n", out);
    }
}
