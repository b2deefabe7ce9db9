package io.vertcd.tests;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One streaming POST to a member's JSON gateway over a plain socket (HTTP/1.1, chunked request body), so that a test
 * controls when the request body grows or ends and reads the response's newline-delimited chunks one line at a
 * time, as they are flushed. The JDK's HttpClient cannot hold a request body open while reading the response.
 */
final class GatewayStream implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private int status = -1;
    private boolean chunkedResponse;
    private long remaining = -1; // bytes left in the current response chunk (or content-length body)
    private boolean ended;

    /**
     * Sends the request line and headers.
     *
     * @param port the member's client port on 127.0.0.1
     * @param path e.g. {@code /v3/watch}
     */
    GatewayStream(int port, String path) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(30_000);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream());
        out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Sends {@code json} as one more chunk of the request body. */
    GatewayStream send(String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        out.write((Integer.toHexString(b.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return this;
    }

    /** Ends the request body. */
    GatewayStream endBody() throws IOException {
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return this;
    }

    /** @return the response status (reads the status line and headers on first call) */
    int status() throws IOException {
        if (status < 0) {
            String line = readLine();
            status = Integer.parseInt(line.split(" ")[1]);
            String h;
            while (!(h = readLine()).isEmpty()) {
                String lower = h.toLowerCase(Locale.ROOT);
                if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunkedResponse = true;
                } else if (lower.startsWith("content-length:")) {
                    remaining = Long.parseLong(lower.substring("content-length:".length()).trim());
                }
            }
            if (!chunkedResponse && remaining < 0) {
                remaining = Long.MAX_VALUE; // until the connection closes
            }
        }
        return status;
    }

    /**
     * @return the next line of the response body (without the newline), the rest of the body if it ends without
     *     one, or null at its end
     */
    String nextLine() throws IOException {
        status();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int c = bodyByte();
            if (c < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
            }
            if (c == '\n') {
                return line.toString(StandardCharsets.UTF_8);
            }
            line.write(c);
        }
    }

    /** @return every remaining line until the body ends */
    List<String> remainingLines() throws IOException {
        List<String> lines = new ArrayList<>();
        String l;
        while ((l = nextLine()) != null) {
            lines.add(l);
        }
        return lines;
    }

    private int bodyByte() throws IOException {
        if (ended) {
            return -1;
        }
        if (chunkedResponse && remaining <= 0) {
            if (remaining == 0) {
                readLine(); // CRLF after the previous chunk
            }
            String size = readLine();
            remaining = Long.parseLong(size.split(";")[0].trim(), 16);
            if (remaining == 0) {
                readLine();
                ended = true;
                return -1;
            }
        }
        if (!chunkedResponse && remaining == 0) {
            ended = true;
            return -1;
        }
        int c = in.read();
        if (c < 0) {
            ended = true;
            return -1;
        }
        remaining--;
        return c;
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
