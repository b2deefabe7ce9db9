package io.vertcd.tests.snapshot;

import io.vertcd.tests.Etcdctl;
import io.vertcd.tests.MemberKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code java -jar vertcd.jar snapshot ...} as a child process. */
final class VertcdSnapshotCli {
    private VertcdSnapshotCli() {
    }

    /** @return exit code, standard output and standard error of {@code vertcd snapshot <args>} */
    static Etcdctl.Result run(String... args) throws IOException, InterruptedException {
        List<String> flags = new ArrayList<>(List.of("snapshot"));
        flags.addAll(List.of(args));
        Process p = new ProcessBuilder(MemberKind.VERTCD.command(List.of(), flags)).start();
        p.getOutputStream().close();
        var out = p.getInputStream();
        var err = p.getErrorStream();
        String[] errText = {""};
        Thread errReader = new Thread(() -> {
            try {
                errText[0] = new String(err.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                errText[0] = e.toString();
            }
        });
        errReader.start();
        String outText = new String(out.readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("vertcd snapshot " + args[0] + " did not end within 300 s");
        }
        errReader.join();
        return new Etcdctl.Result(p.exitValue(), outText, errText[0]);
    }
}
