package io.vertcd.statemachine;

/**
 * The revision store failed under a write or a read (Chronicle Map full, an I/O error on its mapped file, a corrupt
 * entry): the store is unusable and the member must stop applying. {@link KvStore#apply} lets it through, unlike
 * other unexpected exceptions, which it answers with {@link EtcdError#APPLY_FAILED} after rolling the request back.
 */
public final class StoreFailure extends IllegalStateException {
    /** @param message what failed @param cause the store's exception */
    public StoreFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
