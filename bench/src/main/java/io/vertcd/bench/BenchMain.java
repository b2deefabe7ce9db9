package io.vertcd.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * {@code java -jar vertcd-bench.jar put|range|txn-put [flags]}: a load tool for any etcd v3
 * endpoint (real etcd or vertcd), modelled on etcd's {@code tools/benchmark}. See
 * {@link BenchOptions} for the flags and {@link BenchCommand} for the exit codes.
 */
@Command(name = "vertcd-bench", mixinStandardHelpOptions = true,
    description = "Load tool for etcd v3 endpoints: QPS and latency percentiles of put, range and txn-put",
    subcommands = {PutCommand.class, RangeCommand.class, TxnPutCommand.class, LeaseKeepAliveCommand.class,
        WatchLatencyCommand.class})
public final class BenchMain implements Runnable {

  /** Entry point; exits with the command's exit code. */
  public static void main(String[] args) {
    System.exit(commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true)).execute(args));
  }

  /**
   * @param out where reports go
   * @param err where errors go
   * @return the picocli command line; {@code execute(args)} returns the exit code
   */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new BenchMain());
    cl.setOut(out);
    cl.setErr(err);
    return cl;
  }

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing sub-command: put, range or txn-put");
  }
}
