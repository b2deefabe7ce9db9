package io.vertcd.tests.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A {@link TcpProxy} in front of an echo server, on ports 27100-27199. */
class TcpProxyTest {
    private static final String ME = "me";
    private Vertx vertx;
    private NetServer echo;
    private TcpProxy proxy;

    @BeforeEach
    void setUp() throws Exception {
        vertx = Vertx.vertx();
        echo = vertx.createNetServer().connectHandler(s -> s.handler(s::write));
        echo.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        Map<String, Long> candidates = Map.of(ME, ProcessHandle.current().pid());
        proxy = TcpProxy.start(vertx, 27100 + (int) (ProcessHandle.current().pid() % 90), "127.0.0.1",
                echo.actualPort(), port -> vertx.executeBlocking(() -> ProcSocketOwners.owner(port, candidates)));
    }

    @AfterEach
    void tearDown() throws Exception {
        proxy.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", proxy.port());
        s.setSoTimeout(10_000);
        return s;
    }

    private static String roundTrip(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        byte[] buf = new byte[text.length()];
        InputStream in = s.getInputStream();
        int n = 0;
        while (n < buf.length) {
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                throw new IOException("closed after " + n + " bytes");
            }
            n += r;
        }
        return new String(buf, StandardCharsets.UTF_8);
    }

    private void awaitSources(List<String> expected) throws InterruptedException {
        for (int i = 0; i < 200 && !proxy.openConnectionSources().equals(expected); i++) {
            Thread.sleep(20);
        }
        assertEquals(expected, proxy.openConnectionSources());
    }

    @Test
    void forwardsAndAttributesTheConnectionToTheDialingProcess() throws Exception {
        try (Socket s = connect()) {
            assertEquals("hello", roundTrip(s, "hello"));
            awaitSources(List.of(ME));
        }
    }

    @Test
    void cutClosesOpenConnectionsAndRefusesNewOnesUntilHealed() throws Exception {
        try (Socket s = connect()) {
            assertEquals("a", roundTrip(s, "a"));
            awaitSources(List.of(ME));
            proxy.setLink(ME, LinkState.CUT);
            assertEquals(-1, s.getInputStream().read(), "open connection closed by the cut");
        }
        try (Socket s = connect()) {
            assertThrows(IOException.class, () -> roundTrip(s, "b"));
        }
        proxy.setLink("someone-else", LinkState.HEALTHY);
        proxy.setLink(ME, LinkState.HEALTHY);
        try (Socket s = connect()) {
            assertEquals("c", roundTrip(s, "c"));
        }
    }

    @Test
    void cutOfAnotherSourceLeavesThisOneAlone() throws Exception {
        proxy.setLink("other", LinkState.CUT);
        try (Socket s = connect()) {
            assertEquals("x", roundTrip(s, "x"));
        }
    }

    @Test
    void blackholeDropsBytesSilentlyAndHealingForwardsLaterOnes() throws Exception {
        try (Socket s = connect()) {
            assertEquals("1", roundTrip(s, "1"));
            proxy.setAll(LinkState.BLACKHOLE);
            s.getOutputStream().write("lost".getBytes(StandardCharsets.UTF_8));
            s.setSoTimeout(300);
            assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read());
            proxy.setAll(LinkState.HEALTHY);
            s.setSoTimeout(10_000);
            assertEquals("2", roundTrip(s, "2"), "connection still open; the blackholed bytes are gone");
        }
    }

    @Test
    void delayKeepsByteOrder() throws Exception {
        proxy.setLink(ME, LinkState.delayed(30));
        try (Socket s = connect()) {
            StringBuilder sent = new StringBuilder();
            for (int i = 0; i < 50; i++) {
                String chunk = "<" + i + ">";
                sent.append(chunk);
                s.getOutputStream().write(chunk.getBytes(StandardCharsets.UTF_8));
                s.getOutputStream().flush();
            }
            byte[] buf = new byte[sent.length()];
            int n = 0;
            while (n < buf.length) {
                int r = s.getInputStream().read(buf, n, buf.length - n);
                assertTrue(r > 0);
                n += r;
            }
            assertEquals(sent.toString(), new String(buf, StandardCharsets.UTF_8));
        }
        assertEquals(LinkState.delayed(30), proxy.link(ME));
    }
}
