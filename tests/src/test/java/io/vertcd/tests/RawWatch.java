package io.vertcd.tests;

import io.etcd.jetcd.api.WatchCancelRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchProgressRequest;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One etcdserverpb.Watch/Watch call through grpc-java (jetcd's generated stub), with every
 * response queued for the test thread. {@link #disconnect()} cancels the call (RST_STREAM), as a
 * client that goes away does.
 */
final class RawWatch implements AutoCloseable {
    /** Marks the end of the call in the queue. */
    static final WatchResponse END = WatchResponse.newBuilder().setWatchId(Long.MIN_VALUE).build();

    private final LinkedBlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
    private final StreamObserver<WatchRequest> requests;
    private volatile ClientCallStreamObserver<WatchRequest> call;
    private volatile Throwable error;

    RawWatch(ManagedChannel channel) {
        this(channel, -1);
    }

    /**
     * @param channel the channel
     * @param firstResponses -1 to read every response as it comes; else read only that many until
     *     {@link #readAll()}: the rest stays unread on the socket (grpc-java grants HTTP/2 window only
     *     for responses it hands out), as a client that stops reading
     */
    RawWatch(ManagedChannel channel, int firstResponses) {
        requests = WatchGrpc.newStub(channel).watch(new ClientResponseObserver<WatchRequest, WatchResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
                call = requestStream;
                if (firstResponses >= 0) {
                    requestStream.disableAutoRequestWithInitial(firstResponses);
                }
            }

            @Override
            public void onNext(WatchResponse value) {
                responses.add(value);
            }

            @Override
            public void onError(Throwable t) {
                error = t;
                responses.add(END);
            }

            @Override
            public void onCompleted() {
                responses.add(END);
            }
        });
    }

    synchronized void create(WatchCreateRequest create) {
        requests.onNext(WatchRequest.newBuilder().setCreateRequest(create).build());
    }

    synchronized void cancel(long watchId) {
        requests.onNext(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(watchId)).build());
    }

    synchronized void requestProgress() {
        requests.onNext(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
    }

    /** @return the next response, {@link #END} if the call ended, null after {@code ms} without one */
    WatchResponse poll(long ms) throws InterruptedException {
        return responses.poll(ms, TimeUnit.MILLISECONDS);
    }

    /** @return the next response; fails after 20 s */
    WatchResponse next() throws InterruptedException {
        WatchResponse r = poll(20_000);
        if (r == null) {
            throw new AssertionError("no watch response within 20 s");
        }
        if (r == END) {
            throw new AssertionError("the watch call ended: " + error);
        }
        return r;
    }

    /** Starts reading every response (after {@code firstResponses}). */
    void readAll() {
        call.request(Integer.MAX_VALUE);
    }

    Throwable error() {
        return error;
    }

    /** Cancels the call. */
    void disconnect() {
        ClientCallStreamObserver<WatchRequest> c = call;
        if (c != null) {
            c.cancel("test disconnects", null);
        }
    }

    @Override
    public void close() {
        disconnect();
    }
}
