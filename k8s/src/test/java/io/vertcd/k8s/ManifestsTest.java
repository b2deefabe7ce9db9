package io.vertcd.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The manifests in {@code k8s/}: rendered with {@code kubectl kustomize} (installed by .ci/run),
 * parsed strictly with fabric8's model, and checked for what a three-member etcd-style cluster
 * needs: quorum-safe disruption budget, one member per node, stable peer names, probes on the
 * metrics port, a volume for the data dir, and only environment variables vertcd reads.
 */
class ManifestsTest {
    @Test
    void baseIsAThreeMemberClusterThatKeepsItsQuorum() throws Exception {
        List<HasMetadata> all = Manifests.parse(Manifests.kustomize(Manifests.folder()));
        StatefulSet sts = Manifests.only(all, StatefulSet.class);
        assertEquals(3, sts.getSpec().getReplicas());
        assertEquals("Parallel", sts.getSpec().getPodManagementPolicy(),
                "members must start together: the first waits for a quorum before it is ready");

        Map<String, String> podLabels = sts.getSpec().getTemplate().getMetadata().getLabels();
        assertEquals(podLabels, sts.getSpec().getSelector().getMatchLabels());

        Service peer = all.stream().filter(r -> r instanceof Service s && sts.getSpec().getServiceName()
                .equals(s.getMetadata().getName())).map(Service.class::cast).findFirst().orElseThrow();
        assertEquals("None", peer.getSpec().getClusterIP(), "the peer Service must be headless");
        assertTrue(peer.getSpec().getPublishNotReadyAddresses(), "members resolve each other before they are ready");
        assertEquals(podLabels, peer.getSpec().getSelector());

        PodDisruptionBudget pdb = Manifests.only(all, PodDisruptionBudget.class);
        assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntVal(), "at most one of three members down");
        assertEquals(podLabels, pdb.getSpec().getSelector().getMatchLabels());

        List<PodAffinityTerm> anti = sts.getSpec().getTemplate().getSpec().getAffinity().getPodAntiAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution();
        assertEquals(1, anti.size());
        assertEquals("kubernetes.io/hostname", anti.get(0).getTopologyKey());
        assertEquals(podLabels, anti.get(0).getLabelSelector().getMatchLabels());

        Container c = vertcd(sts);
        Map<String, String> env = plainEnv(c);
        String initialCluster = env.get("ETCD_INITIAL_CLUSTER");
        for (int i = 0; i < 3; i++) {
            assertTrue(initialCluster.contains("vertcd-" + i + "=http://vertcd-" + i + "." + peer.getMetadata().getName() + "."),
                    "member " + i + " in " + initialCluster);
        }
        assertEquals("metadata.name", c.getEnv().stream().filter(e -> e.getName().equals("ETCD_NAME"))
                .findFirst().orElseThrow().getValueFrom().getFieldRef().getFieldPath(), "each member is named after its pod");

        String dataDir = env.get("ETCD_DATA_DIR");
        String claim = sts.getSpec().getVolumeClaimTemplates().get(0).getMetadata().getName();
        assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getName().equals(claim) && m.getMountPath().equals(dataDir)),
                "the data dir " + dataDir + " is on the claim " + claim);

        assertProbesOnMetricsPort(c, env);
        assertNotNull(c.getResources().getRequests().get("memory"));
        assertNotNull(c.getResources().getLimits().get("memory"), "the JVM sizes its heap from the container's limit");
    }

    @Test
    void singleOverlayIsOneMemberWithoutBudgetOrAntiAffinity() throws Exception {
        List<HasMetadata> all = Manifests.parse(Manifests.kustomize(Manifests.folder().resolve("overlays/single")));
        StatefulSet sts = Manifests.only(all, StatefulSet.class);
        assertEquals(1, sts.getSpec().getReplicas());
        assertTrue(all.stream().noneMatch(PodDisruptionBudget.class::isInstance));
        assertEquals(null, sts.getSpec().getTemplate().getSpec().getAffinity());
        String initialCluster = plainEnv(vertcd(sts)).get("ETCD_INITIAL_CLUSTER");
        assertEquals(1, initialCluster.split(",").length, initialCluster);
    }

    @Test
    void tlsOverlayServesAndPeersOverMutualTlsFromTheSecret() throws Exception {
        List<HasMetadata> all = Manifests.parse(Manifests.kustomize(Manifests.folder().resolve("overlays/tls")));
        StatefulSet sts = Manifests.only(all, StatefulSet.class);
        Container c = vertcd(sts);
        Map<String, String> env = plainEnv(c);
        assertEquals("true", env.get("ETCD_CLIENT_CERT_AUTH"));
        assertEquals("true", env.get("ETCD_PEER_CLIENT_CERT_AUTH"));
        for (String url : List.of("ETCD_LISTEN_CLIENT_URLS", "ETCD_LISTEN_PEER_URLS", "ETCD_ADVERTISE_CLIENT_URLS",
                "ETCD_INITIAL_ADVERTISE_PEER_URLS")) {
            assertTrue(env.get(url).startsWith("https://"), url + "=" + env.get(url));
        }
        assertFalse(env.get("ETCD_INITIAL_CLUSTER").contains("http://"), env.get("ETCD_INITIAL_CLUSTER"));
        String mount = c.getVolumeMounts().stream().filter(m -> m.getName().equals("tls")).findFirst().orElseThrow().getMountPath();
        for (String file : List.of("ETCD_CERT_FILE", "ETCD_KEY_FILE", "ETCD_TRUSTED_CA_FILE", "ETCD_PEER_CERT_FILE",
                "ETCD_PEER_KEY_FILE", "ETCD_PEER_TRUSTED_CA_FILE")) {
            assertTrue(env.get(file).startsWith(mount + "/"), file + "=" + env.get(file));
        }
        assertEquals("vertcd-tls", sts.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals("tls")).findFirst().orElseThrow().getSecret().getSecretName());
        // The metrics port stays plain HTTP, so the probes keep working.
        assertProbesOnMetricsPort(c, env);
    }

    @Test
    void everyVariableTheManifestsSetIsOneVertcdReads() throws Exception {
        Set<String> known = VertcdFlags.environmentVariables();
        for (Path dir : List.of(Manifests.folder(), Manifests.folder().resolve("overlays/single"),
                Manifests.folder().resolve("overlays/tls"))) {
            Container c = vertcd(Manifests.only(Manifests.parse(Manifests.kustomize(dir)), StatefulSet.class));
            Set<String> set = c.getEnv().stream().map(EnvVar::getName).filter(n -> n.startsWith("ETCD_"))
                    .collect(Collectors.toSet());
            set.removeAll(known);
            assertEquals(Set.of(), set, "variables in " + dir + " that vertcd does not read");
        }
    }

    @Test
    void kubeadmStaticPodKeepsKubeadmsCommandLine() throws Exception {
        Pod pod = Manifests.read(Manifests.folder().resolve("kubeadm/etcd.yaml"), Pod.class);
        assertEquals("kube-system", pod.getMetadata().getNamespace());
        assertTrue(pod.getSpec().getHostNetwork());
        List<String> command = pod.getSpec().getContainers().get(0).getCommand();
        assertEquals("etcd", command.get(0), "the image's etcd command starts vertcd");
        Set<String> flags = command.stream().skip(1).map(a -> a.substring(0, a.indexOf('='))).collect(Collectors.toSet());
        // kubeadm's flags for etcd (cmd/kubeadm/app/phases/etcd/local.go getEtcdCommand), every one of them.
        assertEquals(Set.of("--advertise-client-urls", "--cert-file", "--client-cert-auth", "--data-dir",
                "--experimental-initial-corrupt-check", "--experimental-watch-progress-notify-interval",
                "--initial-advertise-peer-urls", "--initial-cluster", "--key-file", "--listen-client-urls",
                "--listen-metrics-urls", "--listen-peer-urls", "--name", "--peer-cert-file", "--peer-client-cert-auth",
                "--peer-key-file", "--peer-trusted-ca-file", "--snapshot-count", "--trusted-ca-file"), flags);
        Set<String> known = VertcdFlags.names();
        assertTrue(known.containsAll(flags), "flags vertcd does not know: "
                + flags.stream().filter(f -> !known.contains(f)).toList());
    }

    @Test
    void strictParsingRejectsUnknownFieldsAndWrongTypes() throws Exception {
        String sts = Files.readString(Manifests.folder().resolve("base/statefulset.yaml"));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Manifests.parse(sts.replace("  replicas: 3", "  replica: 3")));
        assertTrue(unknown.getMessage().contains("spec.replica"), unknown.getMessage());
        assertThrows(RuntimeException.class, () -> Manifests.parse(sts.replace("  replicas: 3", "  replicas: [3]")));
        assertThrows(IllegalArgumentException.class, () -> Manifests.parse(sts.replace("kind: StatefulSet", "kind: StatefulSett")));
    }

    private static void assertProbesOnMetricsPort(Container c, Map<String, String> env) {
        int metricsPort = c.getPorts().stream().filter(p -> "metrics".equals(p.getName())).findFirst().orElseThrow()
                .getContainerPort();
        assertTrue(env.get("ETCD_LISTEN_METRICS_URLS").matches("http://[^,]*:" + metricsPort),
                "metrics port " + metricsPort + " vs " + env.get("ETCD_LISTEN_METRICS_URLS"));
        Map<String, Probe> probes = Map.of("startup", c.getStartupProbe(), "liveness", c.getLivenessProbe(),
                "readiness", c.getReadinessProbe());
        probes.forEach((kind, probe) -> {
            assertNotNull(probe, kind);
            assertEquals("metrics", probe.getHttpGet().getPort().getStrVal(), kind);
        });
        assertEquals("/livez", c.getLivenessProbe().getHttpGet().getPath());
        assertEquals("/readyz", c.getReadinessProbe().getHttpGet().getPath());
        assertEquals("/readyz", c.getStartupProbe().getHttpGet().getPath());
    }

    static Container vertcd(StatefulSet sts) {
        return sts.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals("vertcd")).findFirst().orElseThrow();
    }

    /** @return the container's variables that have a literal value (not the downward API) */
    static Map<String, String> plainEnv(Container c) {
        return c.getEnv().stream().filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }
}
