package io.vertcd.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image archive Jib wrote (target/vertcd-image.tar, an OCI image layout), read the way a
 * container runtime reads it: index, manifest, config, then the layers unpacked in order into a
 * root file system. No container runtime can start processes on this machine (podman's crun may
 * not set rlimits here), so the member is started from that root file system with chroot, as the
 * image's user, through the image's entrypoint — the same files, user and command a runtime would use.
 */
class ImageIT {
    private static final Path IMAGE = Path.of("target", "vertcd-image.tar").toAbsolutePath();
    private static Path layout;
    private static JsonObject config;
    private static List<String> layers;

    @BeforeAll
    static void readArchive(@TempDir Path tmp) throws Exception {
        assertTrue(Files.exists(IMAGE), "no image at " + IMAGE);
        layout = tmp.resolve("layout");
        Files.createDirectories(layout);
        run(List.of("tar", "-xf", IMAGE.toString(), "-C", layout.toString()), 120);
        JsonObject index = json(layout.resolve("index.json"));
        JsonObject manifest = json(blob(index.getJsonArray("manifests").getJsonObject(0).getString("digest")));
        config = json(blob(manifest.getJsonObject("config").getString("digest")));
        layers = new ArrayList<>();
        for (Object l : manifest.getJsonArray("layers")) {
            JsonObject layer = (JsonObject) l;
            assertEquals("application/vnd.oci.image.layer.v1.tar+gzip", layer.getString("mediaType"));
            layers.add(layer.getString("digest"));
        }
    }

    @Test
    void configIsANonRootMemberWithEtcdsPortsAndADataVolume() {
        assertEquals("linux", config.getString("os"));
        assertEquals("amd64", config.getString("architecture"));
        JsonObject c = config.getJsonObject("config");
        assertEquals(new JsonArray().add("/usr/local/bin/vertcd"), c.getJsonArray("Entrypoint"));
        assertEquals("65532:65532", c.getString("User"));
        assertEquals(new JsonObject().put("2379/tcp", new JsonObject()).put("2380/tcp", new JsonObject())
                .put("2381/tcp", new JsonObject()), c.getJsonObject("ExposedPorts"));
        assertEquals(new JsonObject().put("/var/lib/vertcd", new JsonObject()), c.getJsonObject("Volumes"));
        assertEquals("/var/lib/vertcd", c.getString("WorkingDir"), "the default data dir <name>.etcd lands in the volume");
        // etcd refuses to start when a variable and its flag are both given: the image sets none, so any flag works.
        JsonArray env = c.getJsonArray("Env", new JsonArray());
        assertTrue(env.stream().noneMatch(e -> e.toString().startsWith("ETCD_")), env.encode());
    }

    @Test
    void memberStartsFromTheUnpackedImageAsItsUserAndServes(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("rootfs");
        Files.createDirectories(root);
        for (String digest : layers) {
            run(List.of("tar", "-xzf", blob(digest).toString(), "-C", root.toString()), 120);
        }
        assertTrue(Files.isExecutable(root.resolve("usr/local/bin/vertcd")));
        assertTrue(Files.isExecutable(root.resolve("opt/java/bin/java")));
        assertTrue(Files.readString(root.resolve("etc/passwd")).contains(":65532:65532:"));

        Assumptions.assumeTrue("0".equals(run(List.of("id", "-u"), 10).strip()),
                "starting the image's member needs chroot and a /proc mount, which need root (CI runs as root)");
        Path proc = root.resolve("proc");
        Files.createDirectories(proc);
        run(List.of("mount", "-t", "proc", "proc", proc.toString()), 30);
        Process member = null;
        try {
            int client = freePort();
            int peer = freePort();
            String c = "http://127.0.0.1:" + client;
            String p = "http://127.0.0.1:" + peer;
            // The kubeadm static pod and etcd's own images call the binary `etcd`; the image has it.
            // As a runtime does: the config's user, environment and working directory, then the command.
            JsonObject image = config.getJsonObject("config");
            List<String> cmd = new ArrayList<>(List.of("chroot", "--userspec=" + image.getString("User"), root.toString(),
                    "/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", image.getString("WorkingDir"), "/usr/local/bin/etcd",
                    "--name", "img", "--listen-client-urls", c, "--advertise-client-urls", c,
                    "--listen-peer-urls", p, "--initial-advertise-peer-urls", p, "--initial-cluster", "img=" + p));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("member.log").toFile());
            pb.environment().clear();
            for (Object e : image.getJsonArray("Env", new JsonArray())) {
                String[] kv = ((String) e).split("=", 2);
                pb.environment().put(kv[0], kv[1]);
            }
            member = pb.start();
            String health = "";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!health.contains("is healthy") && member.isAlive() && System.nanoTime() < deadline) {
                health = etcdctl(c, "endpoint", "health");
            }
            assertTrue(health.contains("is healthy"), health + "\nlog: " + Files.readString(tmp.resolve("member.log")));
            assertTrue(etcdctl(c, "put", "k", "from-the-image").contains("OK"));
            assertEquals("k\nfrom-the-image", etcdctl(c, "get", "k").strip());
            // Started by the image's defaults: data in the volume (<name>.etcd in the working directory), written as the
            // image's user.
            Path data = root.resolve("var/lib/vertcd/img.etcd/member");
            assertTrue(Files.isDirectory(data), "no data in the image's volume");
            assertEquals(65532, Files.getAttribute(data, "unix:uid"));
            assertEquals("65532", run(List.of("stat", "-c", "%u", "/proc/" + member.pid() + "/"), 10).strip(),
                    "the member runs as the image's user (chroot and sh exec java: one process)");
        } finally {
            if (member != null) {
                member.destroy();
                if (!member.waitFor(30, TimeUnit.SECONDS)) {
                    member.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            run(List.of("umount", "-l", proc.toString()), 30);
        }
    }

    private static Path blob(String digest) {
        return layout.resolve("blobs").resolve(digest.replace(':', '/'));
    }

    private static JsonObject json(Path file) throws IOException {
        return new JsonObject(Files.readString(file));
    }

    private static String etcdctl(String endpoint, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("etcdctl", "--endpoints=" + endpoint, "--command-timeout=3s"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("ETCDCTL_API", "3");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    private static String run(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
