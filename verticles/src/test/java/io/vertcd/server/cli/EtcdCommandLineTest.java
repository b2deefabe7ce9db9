package io.vertcd.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;
import picocli.CommandLine.Model.CommandSpec;

/** Flags as Go's flag package reads them, ETCD_* variables as pkg/flags, and etcd's YAML configuration file. */
class EtcdCommandLineTest {
    @TempDir
    Path dir;

    private static EtcdCommandLine.Result parse(Map<String, String> env, String... args) throws Exception {
        return EtcdCommandLine.parse(List.of(args), env);
    }

    private static ServerCommand command(String... args) throws Exception {
        return parse(Map.of(), args).command();
    }

    private static String syntaxError(String... args) {
        return assertThrows(FlagSyntaxException.class, () -> parse(Map.of(), args)).getMessage();
    }

    private static String refusal(Map<String, String> env, String... args) {
        return assertThrows(ConfigException.class, () -> parse(env, args)).getMessage();
    }

    private static Map<String, String> file(Path path) throws ConfigException {
        return EtcdConfigFile.read(path, ServerCommand.commandLine(Map.of()).getCommandSpec()).values();
    }

    private Path yaml(String text) throws IOException {
        Path p = Files.createTempFile(dir, "conf", ".yml");
        Files.writeString(p, text);
        return p;
    }

    @Test
    void aFlagGivenTwiceKeepsTheLastValue() throws Exception {
        assertEquals(20, command("--max-txn-ops", "10", "--max-txn-ops", "20").maxTxnOps);
        assertEquals(10, command("--max-txn-ops=20", "-max-txn-ops=10").maxTxnOps);
        assertEquals(false, command("--strict-reconfig-check", "--strict-reconfig-check=false").strictReconfigCheck);
    }

    @Test
    void oneOrTwoDashesWithOrWithoutEquals() throws Exception {
        for (List<String> form : List.of(List.of("--name=a"), List.of("--name", "a"), List.of("-name", "a"), List.of("-name=a"))) {
            assertEquals("a", parse(Map.of(), form.toArray(String[]::new)).command().name, form.toString());
        }
        assertEquals("-x", command("--name", "-x").name, "a value may start with a dash, as in Go");
        assertEquals("", command("--data-dir=").dataDir);
        assertEquals("a=b", command("--name=a=b").name);
    }

    @Test
    void booleansTakeGoForms() throws Exception {
        for (String t : List.of("1", "t", "T", "TRUE", "true", "True")) {
            assertTrue(command("--debug=" + t).debug, t);
        }
        for (String f : List.of("0", "f", "F", "FALSE", "false", "False")) {
            assertFalse(command("-strict-reconfig-check=" + f).strictReconfigCheck, f);
        }
        assertTrue(command("-debug").debug);
        assertEquals("invalid boolean value \"yes\" for -debug: parse error", syntaxError("--debug=yes"));
        // a boolean never takes the next argument: etcd then refuses the leftover
        assertEquals("vertcd: error verifying flags, 'false' is not a valid flag. See 'vertcd --help'.",
                refusal(Map.of(), "--strict-reconfig-check", "false"));
    }

    @Test
    void goErrorsForUnknownFlagsAndBadValues() {
        assertEquals("flag provided but not defined: -foo", syntaxError("--foo"));
        assertEquals("flag provided but not defined: -foo", syntaxError("-foo=1"));
        assertEquals("flag needs an argument: -name", syntaxError("--name"));
        assertEquals("invalid value \"abc\" for flag -max-txn-ops: parse error", syntaxError("--max-txn-ops", "abc"));
        assertEquals("invalid value \"-1\" for flag -max-txn-ops: parse error", syntaxError("--max-txn-ops", "-1"));
        assertEquals("invalid value \"10x\" for flag -experimental-watch-progress-notify-interval: parse error",
                syntaxError("--experimental-watch-progress-notify-interval=10x"));
        assertEquals("bad flag syntax: ---name", syntaxError("---name"));
    }

    @Test
    void helpVersionTerminatorAndIgnoredFlags() throws Exception {
        assertTrue(parse(Map.of(), "-h").help());
        assertTrue(parse(Map.of(), "--help").help());
        assertTrue(parse(Map.of(), "--version").version());
        assertFalse(parse(Map.of(), "--version=false").version());
        assertEquals("vertcd: error verifying flags, 'x' is not a valid flag. See 'vertcd --help'.",
                refusal(Map.of(), "--name", "a", "--", "x"));
        EtcdCommandLine.Result r = parse(Map.of(), "-v", "--name", "n");
        assertEquals("n", r.command().name);
        assertEquals("flag \"-v\" is no longer supported - ignoring.", r.notes().get(0).message());
    }

    @Test
    void environmentAsEtcd() throws Exception {
        EtcdCommandLine.Result r = parse(Map.of("ETCD_DEBUG", "1", "ETCD_MAX_TXN_OPS", "0x10", "ETCD_NAME", "",
                "ETCD_NO_SUCH", "v", "ETCDCTL_API", "3"));
        assertTrue(r.command().debug, "Go's bool forms");
        assertEquals(16, r.command().maxTxnOps, "Go's integer forms");
        assertEquals("default", r.command().name, "an empty variable is not used");
        List<String> notes = r.notes().stream().map(n -> n.level() + " " + n.message() + " " + n.fields()).toList();
        assertTrue(notes.contains("INFO recognized and used environment variable {variable-name=ETCD_DEBUG, variable-value=1}"), notes.toString());
        assertTrue(notes.contains("WARN unrecognized environment variable {environment-variable=ETCD_NO_SUCH=v}"), notes.toString());
        // etcd's verifyEnv: an empty variable is not used, so it is reported like an unknown one
        assertTrue(notes.contains("WARN unrecognized environment variable {environment-variable=ETCD_NAME=}"), notes.toString());
        assertEquals(4, notes.size(), "ETCDCTL_* is not etcd's: " + notes);
        assertEquals("vertcd: error verifying flags, invalid value \"x\" for ETCD_DEBUG: parse error. See 'vertcd --help'.",
                refusal(Map.of("ETCD_DEBUG", "x")));
    }

    @Test
    void configFileWinsOverFlagsAndEnvironment() throws Exception {
        Path conf = yaml("name: fromfile\nmax-txn-ops: 33\n");
        EtcdCommandLine.Result r = parse(Map.of("ETCD_MAX_REQUEST_BYTES", "1000", "ETCD_SNAPSHOT_COUNT", "5"),
                "--config-file", conf.toString(), "--name", "fromflag", "--snapshot-count", "7");
        ServerConfig c = r.command().toConfig();
        assertEquals("fromfile", c.name());
        assertEquals(33, c.maxTxnOps());
        assertEquals(1572864, c.maxRequestBytes(), "the variable is ignored");
        assertEquals(100000, c.snapshotCount(), "the flag and the variable are ignored: the file's default");
        EtcdCommandLine.Note note = r.notes().get(0);
        assertEquals(Level.INFO, note.level());
        assertEquals("loaded server configuration, other configuration command line flags and environment variables "
                + "will be ignored if provided", note.message());
        assertEquals(Map.of("path", conf.toString()), note.fields());
        // ETCD_CONFIG_FILE names the file too
        assertEquals("fromfile", parse(Map.of("ETCD_CONFIG_FILE", conf.toString(), "ETCD_NAME", "x")).command().name);
    }

    @Test
    void everyKeyOfEtcdsSampleMapsToItsFlag() throws Exception {
        Path sample = Path.of(getClass().getResource("/cli/etcd.conf.yml.sample").toURI());
        Map<String, String> v = file(sample);
        assertEquals("default", v.get("name"));
        assertEquals("10000", v.get("snapshot-count"));
        assertEquals("100", v.get("heartbeat-interval"));
        assertEquals("1000", v.get("election-timeout"));
        assertEquals("0", v.get("quota-backend-bytes"));
        assertEquals("http://localhost:2380", v.get("listen-peer-urls"));
        assertEquals("http://localhost:2379", v.get("listen-client-urls"));
        assertEquals("http://localhost:2380", v.get("initial-advertise-peer-urls"));
        assertEquals("http://localhost:2379", v.get("advertise-client-urls"));
        assertEquals("5", v.get("max-snapshots"));
        assertEquals("5", v.get("max-wals"));
        assertEquals("proxy", v.get("discovery-fallback"));
        assertEquals("etcd-cluster", v.get("initial-cluster-token"));
        assertEquals("new", v.get("initial-cluster-state"));
        assertEquals("false", v.get("strict-reconfig-check"));
        assertEquals("true", v.get("enable-v2"));
        assertEquals("true", v.get("enable-pprof"));
        assertEquals("off", v.get("proxy"));
        assertEquals("5000", v.get("proxy-failure-wait"));
        assertEquals("30000", v.get("proxy-refresh-interval"));
        assertEquals("1000", v.get("proxy-dial-timeout"));
        assertEquals("5000", v.get("proxy-write-timeout"));
        assertEquals("0", v.get("proxy-read-timeout"));
        assertEquals("false", v.get("client-cert-auth"));
        assertEquals("false", v.get("auto-tls"));
        assertEquals("false", v.get("peer-client-cert-auth"));
        assertEquals("false", v.get("peer-auto-tls"));
        assertEquals("debug", v.get("log-level"));
        assertEquals("zap", v.get("logger"));
        assertEquals("stderr", v.get("log-outputs"));
        assertEquals("false", v.get("force-new-cluster"));
        assertEquals("periodic", v.get("auto-compaction-mode"));
        assertEquals("1", v.get("auto-compaction-retention"));
        assertEquals("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", v.get("cipher-suites"));
        // etcd 3.5's self-signed-cert-validity is a vertcd flag too, so the file sets it
        assertEquals("1", v.get("self-signed-cert-validity"));
        // empty values keep the defaults; keys vertcd does not know (tls-*-version) are ignored
        for (String absent : List.of("data-dir", "wal-dir", "cors", "discovery", "cert-file", "peer-cert-file",
                "initial-cluster", "tls-min-version")) {
            assertFalse(v.containsKey(absent), absent);
        }
    }

    @Test
    void nestedBlocksNameTheClientAndPeerFlags() throws Exception {
        Map<String, String> v = file(yaml("client-transport-security:\n  cert-file: /c.pem\n  key-file: /c.key\n"
                + "  trusted-ca-file: /ca.pem\npeer-transport-security:\n  cert-file: /p.pem\n  client-cert-auth: true\n"));
        assertEquals(Map.of("cert-file", "/c.pem", "key-file", "/c.key", "trusted-ca-file", "/ca.pem",
                "peer-cert-file", "/p.pem", "peer-client-cert-auth", "true"), v);
    }

    @Test
    void typesAsEtcdsJson() throws Exception {
        Map<String, String> v = file(yaml("experimental-watch-progress-notify-interval: 1500000000\n"
                + "log-outputs: [stdout, /tmp/x.log]\nquota-backend-bytes: -1\nbogus-key: 5\nproxy: off\n"));
        assertEquals("1500000000ns", v.get("experimental-watch-progress-notify-interval"), "durations are nanoseconds");
        assertEquals("stdout,/tmp/x.log", v.get("log-outputs"));
        assertEquals("-1", v.get("quota-backend-bytes"));
        assertEquals("false", v.get("proxy"), "YAML 1.1 reads off as false; etcd's configProxy takes it as text");
        assertFalse(v.containsKey("bogus-key"));
        String prefix = "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ";
        assertEquals(prefix + "string into Go struct field configYAML.snapshot-count of type uint64",
                fileError("snapshot-count: abc\n"));
        assertEquals(prefix + "number into Go struct field configYAML.name of type string", fileError("name: 123\n"));
        assertEquals(prefix + "string into Go struct field configYAML.strict-reconfig-check of type bool",
                fileError("strict-reconfig-check: \"true\"\n"));
        assertEquals(prefix + "string into Go struct field configYAML.experimental-warning-apply-duration of type time.Duration",
                fileError("experimental-warning-apply-duration: 200ms\n"));
        assertEquals(prefix + "number -1 into Go struct field configYAML.max-wals of type uint", fileError("max-wals: -1\n"));
        assertEquals(prefix + "number 1.5 into Go struct field configYAML.snapshot-count of type uint64",
                fileError("snapshot-count: 1.5\n"));
        assertEquals(prefix + "string into Go struct field configYAML.log-outputs of type []string",
                fileError("log-outputs: stderr\n"));
        assertEquals(prefix + "number into Go struct field securityConfig.client-transport-security.cert-file of type string",
                fileError("client-transport-security:\n  cert-file: 5\n"));
        assertEquals(prefix + "string into Go struct field configYAML.client-transport-security of type embed.securityConfig",
                fileError("client-transport-security: abc\n"));
        assertEquals(prefix + "array into Go value of type embed.configYAML", fileError("- a\n- b\n"));
        assertTrue(fileError("name: [\n").startsWith("error converting YAML to JSON: yaml: line "));
        assertEquals("vertcd: error verifying flags, open " + dir.resolve("none.yml") + ": no such file or directory. "
                + "See 'vertcd --help'.", refusal(Map.of(), "--config-file", dir.resolve("none.yml").toString()));
    }

    private String fileError(String text) throws IOException {
        Path p = yaml(text);
        return assertThrows(ConfigException.class, () -> file(p)).getMessage();
    }

    @Test
    void keysOfFlagsAddedLaterMapByName() throws Exception {
        // the mapping is generic: any long option of the command is a key of the same name
        CommandSpec spec = ServerCommand.commandLine(Map.of()).getCommandSpec();
        Path p = yaml("experimental-snapshot-catchup-entries: 77\nmetrics: extensive\n");
        assertEquals(Map.of("experimental-snapshot-catchup-entries", "77", "metrics", "extensive"),
                EtcdConfigFile.read(p, spec).values());
    }

    @Test
    void webConsoleKeyIsABoolean() throws Exception {
        assertEquals(Map.of("web-console", "false"), file(yaml("web-console: false\n")));
        assertTrue(refusal(Map.of(), "--config-file", yaml("web-console: maybe\n").toString()).contains("web-console"));
    }
}
