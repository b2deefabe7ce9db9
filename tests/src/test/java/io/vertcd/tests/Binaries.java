package io.vertcd.tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the executables the end-to-end tests start live, and whether they exist.
 *
 * <ul>
 *   <li>the vertcd fat jar: {@code ../verticles/target/vertcd.jar} relative to the tests module
 *       (surefire's working directory), or the path in system property {@code vertcd.jar};
 *   <li>real etcd 3.4: {@code /usr/bin/etcd} (or system property {@code etcd.bin});
 *   <li>stock etcdctl: {@code /usr/bin/etcdctl} (or system property {@code etcdctl.bin}).
 * </ul>
 *
 * <p>Tests that need real etcd or etcdctl <em>fail</em> when it is missing ({@code .ci/run} installs
 * both, so a missing binary is a broken machine, not a reason to skip). Tests of the subject skip
 * when the subject is vertcd and its jar has not been built.
 */
public final class Binaries {
    private Binaries() {
    }

    /** @return the vertcd fat jar's path (it may not exist). */
    public static Path vertcdJar() {
        String p = System.getProperty("vertcd.jar");
        if (p != null && !p.isBlank()) {
            return Path.of(p).toAbsolutePath();
        }
        Path cwd = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        // surefire runs in tests/; an IDE may run in the repository root.
        Path fromModule = cwd.resolve("../verticles/target/vertcd.jar").normalize();
        Path fromRoot = cwd.resolve("verticles/target/vertcd.jar").normalize();
        return Files.exists(fromModule) || !Files.exists(fromRoot) ? fromModule : fromRoot;
    }

    private static Path snapshot;

    /**
     * A private copy of the vertcd jar, taken once per test JVM under {@code target/}: the JVM of a
     * member loads classes from its jar lazily, so a rebuild of {@code verticles/target/vertcd.jar}
     * during the test run must not change the jar under a running or restarting member.
     *
     * @return the copy's path
     * @throws java.io.UncheckedIOException when the jar cannot be copied
     */
    public static synchronized Path vertcdJarSnapshot() {
        if (snapshot == null) {
            try {
                Path dir = Path.of(System.getProperty("user.dir"), "target");
                Files.createDirectories(dir);
                Path copy = Files.createTempFile(dir, "vertcd-under-test-", ".jar");
                Files.copy(vertcdJar(), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                copy.toFile().deleteOnExit();
                snapshot = copy;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return snapshot;
    }

    /** @return the real etcd binary's path (it may not exist). */
    public static Path etcd() {
        return Path.of(System.getProperty("etcd.bin", "/usr/bin/etcd"));
    }

    /** @return the etcdctl binary's path (it may not exist). */
    public static Path etcdctl() {
        return Path.of(System.getProperty("etcdctl.bin", "/usr/bin/etcdctl"));
    }

    /** @return true when the vertcd fat jar has been built. */
    public static boolean hasVertcdJar() {
        return Files.isRegularFile(vertcdJar());
    }

    /** @return true when real etcd is installed and executable. */
    public static boolean hasEtcd() {
        return Files.isExecutable(etcd());
    }

    /** @return true when etcdctl is installed and executable. */
    public static boolean hasEtcdctl() {
        return Files.isExecutable(etcdctl());
    }

    /** Fails the calling test when real etcd is missing. */
    public static void requireEtcd() {
        Assertions.assertTrue(hasEtcd(), "real etcd 3.4 is required at " + etcd()
                + " (apt-get install etcd-server; .ci/run installs it)");
    }

    /** Fails the calling test when etcdctl is missing. */
    public static void requireEtcdctl() {
        Assertions.assertTrue(hasEtcdctl(), "etcdctl is required at " + etcdctl()
                + " (apt-get install etcd-client; .ci/run installs it)");
    }

    /**
     * The implementation under test: system property {@code vertcd.tests.subject} = {@code vertcd}
     * (default) or {@code etcd}; {@code etcd} runs the same tests against real etcd, which is how the
     * tests themselves are validated.
     *
     * @return the subject kind
     */
    public static MemberKind subject() {
        String s = System.getProperty("vertcd.tests.subject", "vertcd").trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "vertcd" -> MemberKind.VERTCD;
            case "etcd" -> MemberKind.ETCD;
            default -> throw new IllegalArgumentException("vertcd.tests.subject must be vertcd or etcd, not " + s);
        };
    }

    /**
     * Makes sure the subject can be started: fails when it is etcd and etcd is missing, skips when it
     * is vertcd and the jar has not been built yet (run {@code mvn package} first). Also requires
     * etcdctl, which {@link MemberProcess} uses for its readiness probe.
     *
     * @return the subject kind
     */
    public static MemberKind requireSubject() {
        return require(subject());
    }

    /**
     * Requires what a test against {@code kind} runs: etcdctl, and real etcd or the vertcd jar
     * (a missing jar skips the test: the build has not packaged it).
     *
     * @return {@code kind}
     */
    public static MemberKind require(MemberKind kind) {
        requireEtcdctl();
        if (kind == MemberKind.ETCD) {
            requireEtcd();
        } else {
            Assumptions.assumeTrue(hasVertcdJar(), "vertcd jar not built: " + vertcdJar());
        }
        return kind;
    }
}
