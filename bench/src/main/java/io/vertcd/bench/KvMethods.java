package io.vertcd.bench;

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

  private KvMethods() {
  }
}
