package io.vertcd.statemachine.bbolt;

import java.io.IOException;

/** A file that is not a valid bbolt database: bad meta pages, a page id out of range, a truncated file, a bad page. */
public final class BoltFormatException extends IOException {
    public BoltFormatException(String message) {
        super(message);
    }
}
