package io.vertcd.server.cli;

/**
 * A command line Go's {@code flag} package refuses: an unknown flag, a missing or malformed value. The message is
 * Go's ({@code flag provided but not defined: -foo}); etcd prints it with the usage and exits with status 2.
 */
public final class FlagSyntaxException extends Exception {
    private static final long serialVersionUID = 1L;

    /** @param message Go's error text */
    public FlagSyntaxException(String message) {
        super(message);
    }
}
