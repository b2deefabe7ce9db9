package io.vertcd.statemachine;

/**
 * The result of applying one committed entry, handed to the request that proposed it.
 *
 * @param requestId {@code InternalRequest.header.id} of the entry
 * @param response PutResponse, DeleteRangeResponse, TxnResponse, CompactionResponse or
 *     AlarmResponse with {@code header.revision} set; null when {@code error} is set, except for a
 *     NO_SPACE error from the quota check, which etcd sends after applying the write (the write
 *     stands; the server should then propose an AlarmRequest ACTIVATE NOSPACE, as etcd's
 *     applyEntryNormal does); null too for an entry carrying no request
 * @param error the etcd error for the client, or null on success
 */
public record ApplyResult(long requestId, com.google.protobuf.Message response, EtcdException error) {}
