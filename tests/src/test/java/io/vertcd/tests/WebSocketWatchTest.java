package io.vertcd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The WebSocket watch endpoint ({@code ws://<client-url>/v3/watch}) with the JDK's WebSocket
 * client: JSON requests in, {@code {"result": ...}} frames out. The same script runs against real
 * etcd 3.4 (whose gRPC gateway serves the same path through its WebSocket proxy) and against the
 * subject, on the same ports with the same name and token, and the frames must be identical.
 */
class WebSocketWatchTest {
    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void watchOverWebSocketAsEtcdsGateway() throws Exception {
        Binaries.requireEtcd();
        MemberKind subject = Binaries.requireSubject();
        int clientPort = Ports.next();
        int peerPort = Ports.next();
        List<String> expected = run(MemberKind.ETCD, clientPort, peerPort);
        List<String> actual = run(subject, clientPort, peerPort);
        assertEquals(expected, actual);
    }

    private static List<String> run(MemberKind kind, int clientPort, int peerPort) throws Exception {
        List<String> frames = new ArrayList<>();
        try (MemberProcess m = MemberProcess.create(kind, "wsw", "wsw-token", clientPort, peerPort).start()) {
            LinkedBlockingQueue<String> in = new LinkedBlockingQueue<>();
            StringBuilder partial = new StringBuilder();
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create(m.clientUrl().replace("http://", "ws://") + "/v3/watch"), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                            partial.append(data);
                            if (last) {
                                in.add(partial.toString());
                                partial.setLength(0);
                            }
                            webSocket.request(1);
                            return null;
                        }
                    }).get(20, TimeUnit.SECONDS);
            ws.sendText("{\"create_request\":{\"key\":\"" + b64("ws/") + "\",\"range_end\":\"" + b64("ws0")
                    + "\",\"prev_kv\":true,\"watch_id\":\"7\"}}", true).get(20, TimeUnit.SECONDS);
            frames.add(next(in, kind));
            Etcdctl ctl = m.etcdctl();
            assertEquals(0, ctl.run("put", "ws/a", "1").exitCode());
            assertEquals(0, ctl.run("put", "ws/a", "2").exitCode());
            assertEquals(0, ctl.run("del", "ws/a").exitCode());
            for (int i = 0; i < 3; i++) {
                frames.add(next(in, kind));
            }
            ws.sendText("{\"progress_request\":{}}", true).get(20, TimeUnit.SECONDS);
            frames.add(next(in, kind));
            ws.sendText("{\"cancel_request\":{\"watch_id\":\"7\"}}", true).get(20, TimeUnit.SECONDS);
            frames.add(next(in, kind));
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(20, TimeUnit.SECONDS);
            assertEquals(0, ctl.run("put", "ws/a", "3").exitCode(), kind + " serves after the socket closed");
            m.stop();
        }
        assertTrue(frames.get(0).startsWith("{\"result\":{\"header\":{\"cluster_id\":\""), frames.get(0));
        assertTrue(frames.get(1).contains("\"mod_revision\":\"2\""), "int64 as a string: " + frames.get(1));
        return frames;
    }

    private static String next(LinkedBlockingQueue<String> in, MemberKind kind) throws InterruptedException {
        String f = in.poll(20, TimeUnit.SECONDS);
        assertNotNull(f, kind + ": a frame within 20 s");
        return f;
    }
}
