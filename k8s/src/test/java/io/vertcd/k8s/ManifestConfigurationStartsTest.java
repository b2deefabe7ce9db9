package io.vertcd.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The single-member overlay's container configuration, given to a real vertcd process as the
 * kubelet would give it: the downward API filled in for pod {@code vertcd-0} in namespace
 * {@code test}, {@code $(VAR)} references expanded as Kubernetes expands them. Only what a pod has
 * and a test machine has not is changed: every URL's host becomes 127.0.0.1 and its port a free
 * one (the same port everywhere it appears), and the data dir a temporary folder. The member must
 * become ready on the probes' path and port and serve stock etcdctl.
 */
class ManifestConfigurationStartsTest {
    private static final Pattern VAR = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    private static final Pattern URL = Pattern.compile("(https?)://([^:/,]+):(\\d+)");

    @Test
    void singleMemberOverlayStartsAndServes(@TempDir Path tmp) throws Exception {
        StatefulSet sts = Manifests.only(Manifests.parse(Manifests.kustomize(Manifests.folder().resolve("overlays/single"))),
                StatefulSet.class);
        Container c = ManifestsTest.vertcd(sts);
        Map<String, String> podFields = Map.of("metadata.name", "vertcd-0", "metadata.namespace", "test");
        Map<String, String> env = kubeletEnvironment(c.getEnv(), podFields);

        Map<Integer, Integer> ports = new HashMap<>();
        env.replaceAll((name, value) -> name.startsWith("ETCD_") ? localUrls(value, ports) : value);
        env.put("ETCD_DATA_DIR", tmp.resolve("data").toString());
        int metricsPort = ports.get(c.getPorts().stream().filter(p -> "metrics".equals(p.getName()))
                .findFirst().orElseThrow().getContainerPort());
        int clientPort = ports.get(c.getPorts().stream().filter(p -> "client".equals(p.getName()))
                .findFirst().orElseThrow().getContainerPort());

        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dchronicle.analytics.disable=true", "-jar", VertcdFlags.jar().toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("member.log").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("ETCD_"));
        pb.environment().putAll(env);
        Process member = pb.start();
        try {
            String readyz = "http://127.0.0.1:" + metricsPort + c.getStartupProbe().getHttpGet().getPath();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int status = -1;
            while (status != 200 && member.isAlive() && System.nanoTime() < deadline) {
                try {
                    status = http.send(HttpRequest.newBuilder(URI.create(readyz)).timeout(Duration.ofSeconds(2)).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (IOException notYet) {
                    status = -1;
                }
                if (status != 200) {
                    member.waitFor(200, TimeUnit.MILLISECONDS);
                }
            }
            assertEquals(200, status, "readyz of the member started with the overlay's environment; log: "
                    + tmp.resolve("member.log"));
            String endpoint = "--endpoints=http://127.0.0.1:" + clientPort;
            assertEquals("OK", etcdctl(endpoint, "put", "/registry/pods/default/p", "v").strip());
            assertEquals("/registry/pods/default/p\nv", etcdctl(endpoint, "get", "/registry/pods/default/p").strip());
            String members = etcdctl(endpoint, "member", "list");
            assertTrue(members.contains(", started, vertcd-0, "), members);
        } finally {
            member.destroy();
            if (!member.waitFor(20, TimeUnit.SECONDS)) {
                member.destroyForcibly();
            }
        }
    }

    /**
     * The environment a container gets: downward-API fields filled in, and {@code $(NAME)} replaced by
     * the value of a variable defined earlier in the list (a reference to an undefined one stays as is),
     * as the kubelet does.
     */
    static Map<String, String> kubeletEnvironment(List<EnvVar> vars, Map<String, String> podFields) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar v : vars) {
            String value = v.getValue() != null ? v.getValue()
                    : podFields.get(v.getValueFrom().getFieldRef().getFieldPath());
            Matcher m = VAR.matcher(value);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String ref = env.get(m.group(1));
                m.appendReplacement(sb, Matcher.quoteReplacement(ref != null ? ref : m.group()));
            }
            m.appendTail(sb);
            env.put(v.getName(), sb.toString());
        }
        return env;
    }

    /** Every URL's host becomes 127.0.0.1 and its port a free local one, the same for the same port. */
    private static String localUrls(String value, Map<Integer, Integer> ports) {
        Matcher m = URL.matcher(value);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            int port = ports.computeIfAbsent(Integer.parseInt(m.group(3)), p -> freePort());
            m.appendReplacement(sb, m.group(1) + "://127.0.0.1:" + port);
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String etcdctl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("etcdctl"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("ETCDCTL_API", "3");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("etcdctl " + String.join(" ", args) + " failed: " + out);
        }
        return out;
    }
}
