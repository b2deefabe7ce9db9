package io.vertcd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * etcd's JSON gateway side by side: the same requests go to real etcd 3.4 and to the subject, started one after the
 * other on the same ports with the same name and token (so the same member and cluster IDs), and the answers (HTTP
 * status and body) must be equal byte for byte, except where noted: for wrong JSON types and bodies beyond the
 * gateway's read bound only the status and the gRPC code are compared (the texts are Go's decoder's).
 */
class GatewayTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private static final Pattern CODE = Pattern.compile("\"code\":(\\d+)");

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A value of {@code n} bytes as base64 in a put request. */
    private static String bigPut(int n) {
        return "{\"key\":\"" + b64("big") + "\",\"value\":\"" + Base64.getEncoder().encodeToString(new byte[n]) + "\"}";
    }

    @Test
    void unaryAnswersAsEtcd() throws Exception {
        Binaries.requireEtcd();
        MemberKind subject = Binaries.requireSubject();
        int clientPort = Ports.next();
        int peerPort = Ports.next();
        List<String> etcd = unary(MemberKind.ETCD, clientPort, peerPort);
        List<String> actual = unary(subject, clientPort, peerPort);
        for (int i = 0; i < Math.min(etcd.size(), actual.size()); i++) {
            assertEquals(etcd.get(i), actual.get(i), "answer " + i);
        }
        assertEquals(etcd.size(), actual.size());
    }

    private static List<String> unary(MemberKind kind, int clientPort, int peerPort) throws Exception {
        List<String> answers = new ArrayList<>();
        try (MemberProcess m = MemberProcess.create(kind, "gw", "gw-token", clientPort, peerPort).start()) {
            String u = m.clientUrl();
            String k = b64("foo");
            exact(answers, u, "/v3/kv/put", "{\"key\":\"" + k + "\",\"value\":\"" + b64("bar") + "\"}");
            exact(answers, u, "/v3/kv/put", "{\"key\":\"" + k + "\",\"value\":\"" + b64("baz") + "\",\"prev_kv\":true}");
            exact(answers, u, "/v3/kv/range", "{\"key\":\"" + k + "\"}");
            exact(answers, u, "/v3/kv/range", "{\"key\":\"" + k + "\",\"bogus\":1,\"also\":{\"x\":[1]}}"); // unknown
            exact(answers, u, "/v3/kv/range", "{\"key\":\"" + k + "\",\"countOnly\":true}"); // lowerCamel name
            exact(answers, u, "/v3beta/kv/range", "{\"key\":\"" + k + "\",\"keys_only\":true}");
            exact(answers, u, "/v3/kv/range", "{\"key\":\"" + b64("a") + "\",\"range_end\":\"" + b64("z")
                    + "\",\"sort_order\":\"DESCEND\",\"sort_target\":\"MOD\",\"limit\":\"1\"}");
            exact(answers, u, "/v3/kv/range", "{\"key\":\"" + k + "\",\"limit\":5}"); // a number for an int64
            exact(answers, u, "/v3/kv/txn", "{\"compare\":[{\"key\":\"" + k + "\",\"result\":\"EQUAL\",\"target\":"
                    + "\"VALUE\",\"value\":\"" + b64("baz") + "\"}],\"success\":[{\"request_put\":{\"key\":\"" + b64("t")
                    + "\",\"value\":\"" + b64("1") + "\"}},{\"request_range\":{\"key\":\"" + k + "\"}}],"
                    + "\"failure\":[{\"request_delete_range\":{\"key\":\"" + k + "\"}}]}");
            exact(answers, u, "/v3/kv/txn", "{\"compare\":[{\"key\":\"" + k + "\",\"target\":\"VERSION\","
                    + "\"result\":\"GREATER\",\"version\":\"10\"}],\"failure\":[{\"request_delete_range\":{\"key\":\""
                    + b64("t") + "\",\"prev_kv\":true}}]}");
            exact(answers, u, "/v3/kv/deleterange", "{\"key\":\"" + b64("nothing") + "\"}");
            exact(answers, u, "/v3/kv/compaction", "{\"revision\":\"3\"}");
            exact(answers, u, "/v3/kv/range", "{\"key\":\"" + k + "\",\"revision\":\"2\"}"); // compacted: 400 code 11
            exact(answers, u, "/v3/kv/range", "{\"key\":\"" + k + "\",\"revision\":\"100\"}"); // future
            exact(answers, u, "/v3/kv/compaction", "{\"revision\":\"2\"}");
            exact(answers, u, "/v3/kv/put", "{}"); // key is not provided
            exact(answers, u, "/v3/kv/range", ""); // empty body: the empty request
            exact(answers, u, "/v3/kv/range", "null");
            exact(answers, u, "/v3/kv/range", "{} {\"key\":\"" + k + "\"}"); // only the first value is read
            exact(answers, u, "/v3/kv/range", "{\"key\":\"" + k); // truncated
            exact(answers, u, "/v3/kv/range", "{\"key\":\"" + k + "\",}");
            exact(answers, u, "/v3/kv/range", "xyz");
            exact(answers, u, "/v3/kv/range", "{\"key\":\"!!!\"}"); // not base64
            exact(answers, u, "/v3/kv/range", "{\"key\":\"Zm9\"}");
            exact(answers, u, "/v3/kv/range", "{\"key\":\"Zm9v!\"}");
            statusAndCode(answers, u, "/v3/kv/range", "{\"key\":5}"); // wrong types
            statusAndCode(answers, u, "/v3/kv/range", "{\"key\":\"" + k + "\",\"limit\":true}");
            statusAndCode(answers, u, "/v3/kv/range", "{\"key\":\"" + k + "\",\"sort_order\":\"XX\"}");
            statusAndCode(answers, u, "/v3/kv/range", "[]");
            exact(answers, u, "/v3/kv/put", bigPut(1024 * 1024 + 100 * 1024)); // request is too large
            exact(answers, u, "/v3/kv/put", bigPut(1024 * 1024 + 600 * 1024)); // beyond the gRPC limit
            statusAndCode(answers, u, "/v3/kv/put", bigPut(10 * 1024 * 1024)); // a 13 MiB body
            exact(answers, u, "/v3/lease/grant", "{\"TTL\":\"60\",\"ID\":\"1000\"}");
            exact(answers, u, "/v3/lease/grant", "{\"TTL\":60,\"ID\":1000}"); // exists
            exact(answers, u, "/v3/lease/grant", "{\"TTL\":\"60\",\"ID\":\"2000\"}");
            exact(answers, u, "/v3/kv/put", "{\"key\":\"" + b64("lk") + "\",\"value\":\"" + b64("v")
                    + "\",\"lease\":\"1000\"}");
            exact(answers, u, "/v3/kv/put", "{\"key\":\"" + b64("lk") + "\",\"value\":\"" + b64("v")
                    + "\",\"lease\":\"999\"}"); // lease not found: 404 code 5
            exact(answers, u, "/v3/lease/leases", "{}");
            exact(answers, u, "/v3/kv/lease/leases", "{}");
            exact(answers, u, "/v3/lease/timetolive", "{\"ID\":\"999\"}");
            exact(answers, u, "/v3/lease/revoke", "{\"ID\":\"999\"}");
            exact(answers, u, "/v3/kv/lease/revoke", "{\"ID\":\"2000\"}");
            exact(answers, u, "/v3/lock/lock", "{\"name\":\"" + b64("mylock") + "\",\"lease\":\"1000\"}");
            exact(answers, u, "/v3/lock/unlock", "{\"key\":\"" + b64("mylock/3e8") + "\"}");
            exact(answers, u, "/v3/election/leader", "{\"name\":\"" + b64("el") + "\"}"); // no leader: 500 code 2
            exact(answers, u, "/v3/election/campaign", "{\"name\":\"" + b64("el") + "\",\"lease\":\"1000\","
                    + "\"value\":\"" + b64("v1") + "\"}");
            exact(answers, u, "/v3/election/leader", "{\"name\":\"" + b64("el") + "\"}");
            exact(answers, u, "/v3/election/proclaim", "{\"leader\":{\"name\":\"" + b64("el") + "\",\"key\":\""
                    + b64("el/3e8") + "\",\"rev\":\"100\",\"lease\":\"1000\"},\"value\":\"" + b64("v2") + "\"}");
            exact(answers, u, "/v3/election/resign", "{}");
            exact(answers, u, "/v3/cluster/member/list", "{}");
            exact(answers, u, "/v3/kv/nope", "{}"); // 404
            answers.add(send(u, "/v3/kv/range", null)); // GET: 405
            exact(answers, u, "/v3/kv/range", "{\"key\":\"" + k + "\"}"); // still healthy, nothing lost
        }
        return answers;
    }

    private static void exact(List<String> answers, String url, String path, String body) throws Exception {
        answers.add(path + " " + abbreviate(body) + " -> " + send(url, path, body));
    }

    private static void statusAndCode(List<String> answers, String url, String path, String body) throws Exception {
        String a = send(url, path, body);
        Matcher c = CODE.matcher(a);
        answers.add(path + " " + abbreviate(body) + " -> " + a.substring(0, 3) + " code " + (c.find() ? c.group(1) : "?"));
    }

    private static String abbreviate(String body) {
        return body.length() > 80 ? body.substring(0, 80) + "...(" + body.length() + " bytes)" : body;
    }

    /** @return {@code <status> <body>}; GET when {@code body} is null */
    private static String send(String url, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(60));
        b = body == null ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    /**
     * A watch whose request body never ends. etcd 3.4 (Go's HTTP/1.1 server reads the rest of a request body before
     * it writes a response's header) answers nothing until the body ends; vertcd streams at once, and adds the
     * watches of later requests in the body. Either way the member stays healthy when the client goes: checked on
     * the subject only.
     */
    @Test
    void watchBodyThatNeverEnds() throws Exception {
        MemberKind subject = Binaries.requireSubject();
        try (MemberProcess m = MemberProcess.create(subject, "gwopen").start()) {
            String u = m.clientUrl();
            int port = Integer.parseInt(u.substring(u.lastIndexOf(':') + 1));
            String w = b64("w");
            try (GatewayStream s = new GatewayStream(port, "/v3/watch")) {
                s.send("{\"create_request\":{\"key\":\"" + w + "\"}}");
                assertEquals(200, s.status());
                assertTrue(s.nextLine().contains("\"created\":true"));
                send(u, "/v3/kv/put", "{\"key\":\"" + w + "\",\"value\":\"" + b64("1") + "\"}");
                assertTrue(s.nextLine().contains("\"value\":\"" + b64("1") + "\""));
                s.send("{\"create_request\":{\"key\":\"" + b64("x") + "\"}}");
                String created = s.nextLine();
                assertTrue(created.contains("\"watch_id\":\"1\",\"created\":true"), created);
                s.send("{\"cancel_request\":{\"watch_id\":\"0\"}}");
                assertTrue(s.nextLine().contains("\"canceled\":true"));
            }
            assertTrue(send(u, "/v3/kv/range", "{\"key\":\"" + w + "\"}").startsWith("200 {\"header\""));
            assertEquals(200, HTTP.send(HttpRequest.newBuilder(URI.create(u + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    @Test
    void streamsAsEtcd() throws Exception {
        Binaries.requireEtcd();
        MemberKind subject = Binaries.requireSubject();
        int clientPort = Ports.next();
        int peerPort = Ports.next();
        List<String> etcd = streams(MemberKind.ETCD, clientPort, peerPort);
        List<String> actual = streams(subject, clientPort, peerPort);
        for (int i = 0; i < Math.min(etcd.size(), actual.size()); i++) {
            assertEquals(etcd.get(i), actual.get(i), "line " + i);
        }
        assertEquals(etcd.size(), actual.size());
        assertTrue(etcd.get(1).startsWith("{\"result\":{\"header\":"), etcd.get(1));
    }

    private static List<String> streams(MemberKind kind, int clientPort, int peerPort) throws Exception {
        List<String> lines = new ArrayList<>();
        try (MemberProcess m = MemberProcess.create(kind, "gws", "gws-token", clientPort, peerPort).start()) {
            String u = m.clientUrl();
            String w = b64("w");
            // several requests in one body; the watch stays open after the body has ended (etcd's watch server
            // ignores the half-close)
            try (GatewayStream s = new GatewayStream(clientPort, "/v3/watch")) {
                s.send("{\"create_request\":{\"key\":\"" + w + "\",\"prev_kv\":true}}\n");
                s.send("{\"create_request\":{\"key\":\"" + b64("x") + "\",\"start_revision\":\"1\",\"bogus\":true}}"
                        + " {\"progress_request\":{}}").endBody();
                lines.add("watch " + s.status());
                lines.add(s.nextLine());
                lines.add(s.nextLine());
                lines.add(s.nextLine());
                send(u, "/v3/kv/put", "{\"key\":\"" + w + "\",\"value\":\"" + b64("1") + "\"}");
                lines.add(s.nextLine());
                send(u, "/v3/kv/put", "{\"key\":\"" + w + "\",\"value\":\"" + b64("2") + "\"}");
                lines.add(s.nextLine());
            }
            try (GatewayStream s = new GatewayStream(clientPort, "/v3/watch")) {
                s.send("{\"create_request\":{\"key\":5}}").endBody(); // a first request that does not parse
                lines.add("watch bad first " + s.status());
                s.remainingLines().forEach(l -> lines.add(l.replaceAll("\"(error|message)\":\"[^\"]*\"", "\"$1\":_")));
            }
            // keep-alive: one answer per request, the stream ends with the body
            send(u, "/v3/lease/grant", "{\"TTL\":\"60\",\"ID\":\"7\"}");
            try (GatewayStream s = new GatewayStream(clientPort, "/v3/lease/keepalive")) {
                s.send("{\"ID\":\"7\"}").send("{\"ID\":\"8\"}").endBody();
                lines.add("keepalive " + s.status());
                lines.addAll(s.remainingLines());
            }
            // observe: the current leader, then each new value
            send(u, "/v3/election/campaign", "{\"name\":\"" + b64("e") + "\",\"lease\":\"7\",\"value\":\""
                    + b64("a") + "\"}");
            try (GatewayStream s = new GatewayStream(clientPort, "/v3/election/observe")) {
                s.send("{\"name\":\"" + b64("e") + "\"}").endBody();
                lines.add("observe " + s.status());
                lines.add(s.nextLine());
                String leader = send(u, "/v3/election/leader", "{\"name\":\"" + b64("e") + "\"}");
                Matcher key = Pattern.compile("\"key\":\"([^\"]+)\".*\"create_revision\":\"(\\d+)\"").matcher(leader);
                assertTrue(key.find(), leader);
                send(u, "/v3/election/proclaim", "{\"leader\":{\"name\":\"" + b64("e") + "\",\"key\":\"" + key.group(1)
                        + "\",\"rev\":\"" + key.group(2) + "\",\"lease\":\"7\"},\"value\":\"" + b64("b") + "\"}");
                lines.add(s.nextLine());
            }
            lines.add(send(u, "/v3/kv/range", "{\"key\":\"" + w + "\"}")); // healthy after the clients went
        }
        return lines;
    }
}
