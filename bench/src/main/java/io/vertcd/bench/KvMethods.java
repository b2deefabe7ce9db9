package io.vertcd.bench;

import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;

/**
 * Client-side descriptors of the etcd v3 {@code etcdserverpb.KV} methods the tool calls
 * (etcd {@code api/etcdserverpb/rpc.proto}: {@code service KV { rpc Range; rpc Put; rpc Txn; ... }}),
 * with protobuf encoders/decoders of the jetcd-grpc message classes.
 */
public final class KvMethods {
  /** {@code etcdserverpb.KV}, the fully-qualified gRPC service name. */
  public static final ServiceName KV = ServiceName.create("etcdserverpb.KV");

  /** {@code /etcdserverpb.KV/Put}. */
  public static final ServiceMethod<PutResponse, PutRequest> PUT = ServiceMethod.client(
      KV, "Put", GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(PutResponse.newBuilder()));

  /** {@code /etcdserverpb.KV/Range}. */
  public static final ServiceMethod<RangeResponse, RangeRequest> RANGE = ServiceMethod.client(
      KV, "Range", GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(RangeResponse.newBuilder()));

  /** {@code /etcdserverpb.KV/Txn}. */
  public static final ServiceMethod<TxnResponse, TxnRequest> TXN = ServiceMethod.client(
      KV, "Txn", GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(TxnResponse.newBuilder()));

  /** {@code etcdserverpb.Lease}. */
  public static final ServiceName LEASE = ServiceName.create("etcdserverpb.Lease");

  /** {@code /etcdserverpb.Lease/LeaseGrant}. */
  public static final ServiceMethod<LeaseGrantResponse, LeaseGrantRequest> LEASE_GRANT = ServiceMethod.client(
      LEASE, "LeaseGrant", GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(LeaseGrantResponse.newBuilder()));

  /**
   * {@code /etcdserverpb.Lease/LeaseKeepAlive}, a bidirectional stream; called with one request and
   * a half-close it answers one response and ends (clientv3 KeepAliveOnce, etcdctl keep-alive --once).
   */
  public static final ServiceMethod<LeaseKeepAliveResponse, LeaseKeepAliveRequest> LEASE_KEEPALIVE = ServiceMethod.client(
      LEASE, "LeaseKeepAlive", GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(LeaseKeepAliveResponse.newBuilder()));

  /** {@code etcdserverpb.Watch}. */
  public static final ServiceName WATCH_SERVICE = ServiceName.create("etcdserverpb.Watch");

  /** {@code /etcdserverpb.Watch/Watch}, a bidirectional stream of WatchRequests and WatchResponses. */
  public static final ServiceMethod<io.etcd.jetcd.api.WatchResponse, io.etcd.jetcd.api.WatchRequest> WATCH =
      ServiceMethod.client(WATCH_SERVICE, "Watch", GrpcMessageEncoder.encoder(),
          GrpcMessageDecoder.decoder(io.etcd.jetcd.api.WatchResponse.newBuilder()));

  private KvMethods() {
  }
}
