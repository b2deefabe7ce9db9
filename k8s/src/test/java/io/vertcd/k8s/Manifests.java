package io.vertcd.k8s;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Kubernetes manifests read as a cluster would read them: rendered by {@code kubectl kustomize}
 * and bound to fabric8's Kubernetes model, strictly. Jackson fails on wrong types; a field the
 * model does not know lands in a model object's {@code additionalProperties}, which
 * {@link #unknownFields(Object)} reports, so a misspelled field fails as the API server's strict
 * field validation would.
 */
final class Manifests {
    /** The kinds the manifests use, by {@code kind}. */
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "Service", Service.class,
            "StatefulSet", StatefulSet.class,
            "PodDisruptionBudget", PodDisruptionBudget.class,
            "Pod", Pod.class);

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private Manifests() {
    }

    /** @return the project's {@code k8s/} folder (surefire runs in it) */
    static Path folder() {
        return Path.of(System.getProperty("user.dir")).toAbsolutePath();
    }

    /**
     * Runs {@code kubectl kustomize dir}, as {@code kubectl apply -k dir} renders it.
     *
     * @param dir a folder with a kustomization.yaml
     * @return the rendered multi-document YAML
     * @throws IOException if kubectl is missing, fails or runs longer than 60 s
     */
    static String kustomize(Path dir) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(false).start();
        } catch (IOException noKubectl) {
            // kubectl is not a Debian package this project can install (Debian's is 1.20, whose kustomize
            // predates the fields these manifests use); machines of this kind ship one.
            Assumptions.abort("kubectl (1.22 or later) is not on the PATH: the kustomize renderings are not checked");
            throw noKubectl;
        }
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("kubectl kustomize " + dir + " failed: " + new String(err, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /**
     * @param yaml one or more YAML documents
     * @return each document bound to its fabric8 model class, in order
     * @throws IllegalArgumentException for a kind this list does not know, a wrong type, or an unknown field
     */
    static List<HasMetadata> parse(String yaml) {
        List<HasMetadata> out = new ArrayList<>();
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc == null || doc.isNull() || doc.isMissingNode()) {
                    continue;
                }
                String kind = doc.path("kind").asString("");
                Class<? extends HasMetadata> type = KINDS.get(kind);
                if (type == null) {
                    throw new IllegalArgumentException("unexpected kind '" + kind + "'");
                }
                HasMetadata resource = YAML.treeToValue(doc, type);
                List<String> unknown = unknownFields(resource);
                if (!unknown.isEmpty()) {
                    throw new IllegalArgumentException(kind + " " + resource.getMetadata().getName()
                            + " has fields the model does not know: " + unknown);
                }
                out.add(resource);
            }
        }
        return out;
    }

    /** @return the single resource of {@code type} in {@code resources} */
    static <T extends HasMetadata> T only(List<HasMetadata> resources, Class<T> type) {
        List<T> found = resources.stream().filter(type::isInstance).map(type::cast).toList();
        if (found.size() != 1) {
            throw new AssertionError("expected one " + type.getSimpleName() + ", found " + found.size());
        }
        return found.get(0);
    }

    /** @return a file of the k8s folder read as one resource */
    static <T extends HasMetadata> T read(Path file, Class<T> type) throws IOException {
        return only(parse(Files.readString(file)), type);
    }

    /**
     * @param model a fabric8 model object
     * @return the paths (e.g. {@code spec.template.spec.replica}) of fields that landed in some
     *         object's additionalProperties, i.e. that the model does not know
     */
    static List<String> unknownFields(Object model) {
        List<String> found = new ArrayList<>();
        walk(model, "", found);
        return found;
    }

    private static void walk(Object o, String path, List<String> found) {
        if (o == null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                walk(e, path + "[" + i++ + "]", found);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                walk(e.getValue(), path + "[" + e.getKey() + "]", found);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers())
                    || !m.getName().startsWith("get") || m.getName().equals("getClass")) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(o);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            String field = path.isEmpty() ? "" : path + ".";
            if (m.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra) {
                    extra.keySet().forEach(k -> found.add(field + k));
                }
                continue;
            }
            String name = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
            walk(value, field + name, found);
        }
    }
}
