package io.vertcd.server.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import net.logstash.logback.composite.AbstractFieldJsonProvider;

/**
 * Writes where the event was logged as zap's short caller does ({@code "caller":"embed/etcd.go:305"}): the last
 * package segment, the source file and the line, e.g. {@code "caller":"node/Leadership.java:144"}.
 */
public final class ZapCallerJsonProvider extends AbstractFieldJsonProvider<ILoggingEvent> {
    /** Field {@code caller}. */
    public ZapCallerJsonProvider() {
        setFieldName("caller");
    }

    @Override
    public void writeTo(JsonGenerator generator, ILoggingEvent event) throws IOException {
        StackTraceElement[] callers = event.getCallerData();
        if (callers == null || callers.length == 0) {
            return;
        }
        StackTraceElement c = callers[0];
        String cls = c.getClassName();
        int lastDot = cls.lastIndexOf('.');
        String pkg = lastDot < 0 ? "" : cls.substring(0, lastDot);
        String dir = pkg.substring(pkg.lastIndexOf('.') + 1);
        generator.writeStringField(getFieldName(), (dir.isEmpty() ? "" : dir + "/") + c.getFileName() + ":" + c.getLineNumber());
    }
}
