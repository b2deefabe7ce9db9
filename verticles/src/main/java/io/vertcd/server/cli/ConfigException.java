package io.vertcd.server.cli;

/** The flags do not describe a member vertcd can start; the message is shown to the user as is. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message, null, false, false);
    }
}
