package io.vertcd.server;

import io.vertcd.server.cli.ConfigException;
import io.vertcd.server.cli.MemberIds;
import io.vertcd.server.cli.ServerCommand;
import io.vertcd.server.cli.ServerConfig;
import io.vertcd.server.node.SnapshotRestore;
import io.vertcd.statemachine.EtcdSnapshotStatus;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vertcd snapshot restore|status}: etcdctl 3.4's {@code snapshot restore} and {@code snapshot status} on the
 * jar (etcdctl/ctlv3/command/snapshot_command.go), with their flags, output and errors ({@code Error: ...} on standard
 * error, exit code 1).
 */
@Command(name = "snapshot", description = "Manages etcd node snapshots.", mixinStandardHelpOptions = true,
        subcommands = {SnapshotCommands.Restore.class, SnapshotCommands.Status.class})
public final class SnapshotCommands implements Callable<Integer> {
    /** Exit code of a failure (etcdctl ExitError). */
    static final int EXIT_ERROR = 1;
    /** Exit code of an unsupported output format (etcdctl ExitBadFeature). */
    static final int EXIT_BAD_FEATURE = 4;

    @Override
    public Integer call() {
        CommandLine.usage(this, System.err);
        return EXIT_ERROR;
    }

    /** Runs {@code vertcd snapshot ...}; @return the exit code */
    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new SnapshotCommands());
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            err.println("Error: " + e.getMessage());
            return EXIT_ERROR;
        });
        return cl.execute(args);
    }

    /** {@code snapshot restore FILE}: builds a data directory for a member of a new cluster. */
    @Command(name = "restore", description = "Restores an etcd member snapshot to an etcd directory",
            mixinStandardHelpOptions = true)
    static final class Restore implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "the snapshot file (etcdctl snapshot save)")
        Path file;
        @Option(names = "--name", defaultValue = "default", description = "Human-readable name for this member")
        String name;
        @Option(names = "--data-dir", description = "Path to the data directory (default: '<name>.etcd')")
        String dataDir;
        @Option(names = "--wal-dir", description = "Path to the WAL directory (default: the data directory's)")
        String walDir;
        @Option(names = "--initial-cluster", description = "Initial cluster configuration for restore bootstrap")
        String initialCluster;
        @Option(names = "--initial-cluster-token", defaultValue = "etcd-cluster",
                description = "Initial cluster token for the etcd cluster during restore bootstrap")
        String initialClusterToken;
        @Option(names = "--initial-advertise-peer-urls", defaultValue = "http://localhost:2380",
                description = "List of this member's peer URLs to advertise to the rest of the cluster")
        String initialAdvertisePeerUrls;
        @Option(names = "--skip-hash-check", description = "Ignore snapshot integrity hash value (required if copied from data directory)")
        boolean skipHashCheck;

        @Override
        public Integer call() throws IOException, ConfigException {
            List<String> flags = new ArrayList<>(List.of("--name", name,
                    "--data-dir", dataDir != null ? dataDir : name + ".etcd",
                    "--initial-cluster", initialCluster != null ? initialCluster : name + "=" + initialAdvertisePeerUrls,
                    "--initial-cluster-token", initialClusterToken,
                    "--initial-advertise-peer-urls", initialAdvertisePeerUrls));
            if (walDir != null) {
                flags.addAll(List.of("--wal-dir", walDir));
            }
            CommandLine server = ServerCommand.commandLine(Map.of());
            server.parseArgs(flags.toArray(String[]::new));
            ServerConfig config = ((ServerCommand) server.getCommand()).toConfig();
            SnapshotRestore.Result r = SnapshotRestore.restore(config, file, skipHashCheck);
            System.err.println("restored snapshot " + file + " into " + config.dataDir() + ": member "
                    + MemberIds.toHex(r.memberId()) + " of cluster " + MemberIds.toHex(r.clusterId()) + ", revision "
                    + r.restored().revision() + " (compacted " + r.restored().compactedRevision() + "), "
                    + r.restored().revisions() + " revisions, " + r.restored().leases().size() + " leases, Raft index "
                    + r.index());
            return 0;
        }
    }

    /** {@code snapshot status FILE [-w simple|table|json|fields]}. */
    @Command(name = "status", description = "Gets backend snapshot status of a given file", mixinStandardHelpOptions = true)
    static final class Status implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE")
        Path file;
        @Option(names = {"-w", "--write-out"}, defaultValue = "simple",
                description = "set the output format (fields, json, simple, table)")
        String format;

        @Override
        public Integer call() throws IOException {
            if (!List.of("simple", "table", "json", "fields").contains(format)) {
                System.err.println("Error: " + format + " not supported as output format");
                return EXIT_BAD_FEATURE;
            }
            if (!Files.exists(file)) {
                throw new IOException("stat " + file + ": no such file or directory");
            }
            System.out.print(format(EtcdSnapshotStatus.of(file), format));
            return 0;
        }
    }

    /** etcdctl's printers for a snapshot status (etcdctl/ctlv3/command/printer*.go DBStatus). */
    static String format(EtcdSnapshotStatus s, String format) {
        String[] header = {"HASH", "REVISION", "TOTAL KEYS", "TOTAL SIZE"};
        String[] row = {Long.toHexString(s.hash()), Long.toString(s.revision()), Long.toString(s.totalKey()),
                humanBytes(s.totalSize())};
        switch (format) {
            case "json":
                return s.json() + "\n";
            case "fields":
                return "\"Hash\" : " + s.hash() + "\n\"Revision\" : " + s.revision() + "\n\"Keys\" : " + s.totalKey()
                        + "\n\"Size\" : " + s.totalSize() + "\n";
            case "table": {
                StringBuilder b = new StringBuilder();
                int[] w = new int[header.length];
                for (int i = 0; i < w.length; i++) {
                    w[i] = Math.max(header[i].length(), row[i].length());
                }
                StringBuilder line = new StringBuilder("+");
                for (int width : w) {
                    line.append("-".repeat(width + 2)).append('+');
                }
                b.append(line).append('\n').append('|');
                for (int i = 0; i < w.length; i++) {
                    int gap = w[i] - header[i].length();
                    b.append(' ').append(" ".repeat(gap / 2)).append(header[i]).append(" ".repeat(gap - gap / 2)).append(" |");
                }
                b.append('\n').append(line).append('\n').append('|');
                for (int i = 0; i < w.length; i++) {
                    b.append(' ').append(" ".repeat(w[i] - row[i].length())).append(row[i]).append(" |");
                }
                return b.append('\n').append(line).append('\n').toString();
            }
            default:
                return String.join(", ", row) + "\n";
        }
    }

    /** go-humanize Bytes: SI units, one decimal below 10 (rounded as Go's fmt does, half to even on the exact value). */
    static String humanBytes(long s) {
        if (s < 10) {
            return s + " B";
        }
        String[] sizes = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
        int e = (int) Math.floor(Math.log(s) / Math.log(1000));
        double val = Math.floor(s / Math.pow(1000, e) * 10 + 0.5) / 10;
        BigDecimal d = new BigDecimal(val).setScale(val < 10 ? 1 : 0, RoundingMode.HALF_EVEN);
        return d.toPlainString() + " " + sizes[e];
    }
}
