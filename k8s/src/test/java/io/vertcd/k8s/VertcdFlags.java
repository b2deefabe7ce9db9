package io.vertcd.k8s;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The flags the built vertcd jar takes, as its {@code --help} lists them, and the ETCD_* variables they read. */
final class VertcdFlags {
    private static final Pattern FLAG = Pattern.compile("^\\s+(?:-\\w, )?(--[a-z0-9-]+)", Pattern.MULTILINE);
    private static Set<String> names;

    private VertcdFlags() {
    }

    /** @return the jar the build made ({@code ../verticles/target/vertcd.jar} from this module), or {@code -Dvertcd.jar} */
    static Path jar() {
        String p = System.getProperty("vertcd.jar");
        Path jar = p != null ? Path.of(p) : Manifests.folder().resolve("../verticles/target/vertcd.jar").normalize();
        if (!Files.exists(jar)) {
            throw new IllegalStateException("no vertcd jar at " + jar + " (build the verticles module first)");
        }
        return jar;
    }

    /** @return every long flag name, e.g. {@code --listen-client-urls} */
    static synchronized Set<String> names() throws IOException, InterruptedException {
        if (names == null) {
            Process p = new ProcessBuilder("java", "-jar", jar().toString(), "--help").redirectErrorStream(true).start();
            String help = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("vertcd --help did not finish");
            }
            Set<String> found = new TreeSet<>();
            Matcher m = FLAG.matcher(help);
            while (m.find()) {
                found.add(m.group(1));
            }
            if (!found.contains("--listen-client-urls")) {
                throw new IOException("unexpected --help output: " + help);
            }
            names = found;
        }
        return names;
    }

    /** @return the ETCD_* variable of every flag ({@code --max-txn-ops} reads {@code ETCD_MAX_TXN_OPS}) */
    static Set<String> environmentVariables() throws IOException, InterruptedException {
        return names().stream().map(n -> "ETCD_" + n.substring(2).toUpperCase(Locale.ROOT).replace('-', '_'))
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
