package io.vertcd.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import net.logstash.logback.composite.AbstractFieldJsonProvider;

/** Writes the event's level as zap names it: {@code "level":"info"} (debug, info, warn, error). */
public final class ZapLevelJsonProvider extends AbstractFieldJsonProvider<ILoggingEvent> {
    /** Field {@code level}. */
    public ZapLevelJsonProvider() {
        setFieldName("level");
    }

    @Override
    public void writeTo(JsonGenerator generator, ILoggingEvent event) throws IOException {
        generator.writeStringField(getFieldName(), zapLevel(event.getLevel()));
    }

    /** @return zap's name of a Logback level (TRACE is written as debug, zap's lowest) */
    static String zapLevel(Level level) {
        if (level.isGreaterOrEqual(Level.ERROR)) {
            return "error";
        }
        if (level.isGreaterOrEqual(Level.WARN)) {
            return "warn";
        }
        return level.isGreaterOrEqual(Level.INFO) ? "info" : "debug";
    }
}
