package io.vertcd.tests;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assertions;

/** Small helpers for tests that talk to a member through jetcd. */
public final class Jetcd {
    /** Upper bound on one jetcd call in tests, in seconds. */
    public static final long CALL_TIMEOUT_SECONDS = 30;

    private Jetcd() {
    }

    /**
     * @param member a started member
     * @return a jetcd client for its client URL, with jetcd's own retries off so that every
     *         response or error the test sees comes from exactly one attempt
     */
    public static Client client(MemberProcess member) {
        return Client.builder()
                .endpoints(member.clientUrl())
                .retryMaxAttempts(0)
                .maxInboundMessageSize(16 * 1024 * 1024)
                .build();
    }

    /** @return the UTF-8 bytes of s */
    public static ByteSequence bs(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /**
     * Waits for a jetcd future.
     *
     * @return its value
     * @throws AssertionError when it fails or takes longer than {@link #CALL_TIMEOUT_SECONDS}
     */
    public static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("call failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("call took longer than " + CALL_TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * An error as the client saw it: the gRPC status code name (e.g. {@code OUT_OF_RANGE}) and
     * etcd's message (the gRPC status description).
     */
    public record RpcError(String code, String message, Throwable cause) {
    }

    /**
     * Waits for a jetcd future that must fail with an error from the server. jetcd 0.8 reports
     * server errors as {@link StatusRuntimeException} (or, for some calls, {@link EtcdException});
     * both are unwrapped to the gRPC code and message.
     *
     * @return the error
     * @throws AssertionError when the call succeeds, fails otherwise, or times out
     */
    public static RpcError awaitError(CompletableFuture<?> f) {
        try {
            Object v = f.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            throw new AssertionError("expected an error from the server, got " + v);
        } catch (ExecutionException e) {
            return rpcError(e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("call took longer than " + CALL_TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * @param t a failure cause from a jetcd future
     * @return the gRPC code and message it carries
     * @throws AssertionError when it is not an error from the server
     */
    public static RpcError rpcError(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof StatusRuntimeException sre) {
                Status s = sre.getStatus();
                return new RpcError(s.getCode().name(), s.getDescription(), t);
            }
            if (c instanceof EtcdException ee) {
                Status s = Status.fromThrowable(ee);
                String code = s.getCode() == Status.Code.UNKNOWN ? ee.getErrorCode().name() : s.getCode().name();
                return new RpcError(code, s.getDescription() != null ? s.getDescription() : ee.getMessage(), t);
            }
        }
        throw new AssertionError("expected an error from the server, got " + t, t);
    }

    /**
     * Asserts a client-visible error: gRPC code name and etcd's exact message.
     *
     * @param code e.g. {@code OUT_OF_RANGE}
     * @param etcdMessage e.g. {@code etcdserver: mvcc: required revision has been compacted}
     * @param e the error
     */
    public static void assertError(String code, String etcdMessage, RpcError e) {
        Assertions.assertEquals(code + ": " + etcdMessage, e.code() + ": " + e.message(), "error " + e.cause());
    }
}
