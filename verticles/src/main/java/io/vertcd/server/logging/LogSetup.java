package io.vertcd.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import io.vertcd.server.cli.ConfigException;
import java.util.List;
import net.logstash.logback.composite.loggingevent.KeyValuePairsJsonProvider;
import net.logstash.logback.composite.loggingevent.LoggingEventFormattedTimestampJsonProvider;
import net.logstash.logback.composite.loggingevent.LoggingEventJsonProviders;
import net.logstash.logback.composite.loggingevent.MessageJsonProvider;
import net.logstash.logback.composite.loggingevent.StackTraceJsonProvider;
import net.logstash.logback.encoder.LoggingEventCompositeJsonEncoder;
import org.slf4j.LoggerFactory;

/**
 * Configures Logback from etcd's logging flags (etcd embed/config_logging.go {@code setupLogging}):
 * <ul>
 *   <li>{@code --logger zap}: one JSON object per line shaped as etcd's zap logger writes them: {@code level}
 *       (debug, info, warn, error), {@code ts} (ISO 8601, UTC, milliseconds), {@code caller}, {@code msg}, then the
 *       event's key-value pairs as fields (SLF4J 2 {@code addKeyValue}) and {@code stacktrace} for a throwable;
 *       logstash-logback-encoder's composite JSON encoder writes them;</li>
 *   <li>{@code --logger capnslog} (etcd 3.4's default): text lines {@code 2026-11-30 06:30:25.368698 I | Logger: message
 *       key="value"};</li>
 *   <li>{@code --log-outputs}: {@code default} and {@code stderr} are the standard error, {@code stdout} the standard
 *       output, anything else a file appended to; zap writes to each of several outputs.</li>
 * </ul>
 * A {@code -Dlogback.configurationFile} given to the JVM wins: nothing is changed then.
 */
public final class LogSetup {
    /** The text line of {@code --logger capnslog}: capnslog's date, level letter and package, then the message. */
    static final String CAPNSLOG_PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSSSSS} %.-1level | %logger{0}: %msg%replace( %kvp){'^ $', ''}%n";

    private LogSetup() {
    }

    /**
     * @param logger {@code zap} or {@code capnslog}
     * @param outputs the outputs, validated by the command ({@code default}, {@code stderr}, {@code stdout}, file paths)
     * @param level the root level (a Logback level name)
     * @throws ConfigException when an output file cannot be opened
     */
    public static void configure(String logger, List<String> outputs, String level) throws ConfigException {
        configure(logger, outputs, level, "");
    }

    /**
     * As {@link #configure(String, List, String)}, then, with capnslog, the levels of {@code --log-package-levels}
     * ({@code name=LEVEL,...}; names are Logback logger names such as {@code io.vertcd.server.node}, {@code *} is
     * every logger; capnslog's levels CRITICAL, ERROR, WARNING, NOTICE, INFO, DEBUG, TRACE). As etcd, zap ignores
     * them and a malformed value is warned about and ignored.
     *
     * @param packageLevels the flag's value, empty for none
     * @throws ConfigException when an output file cannot be opened
     */
    public static void configure(String logger, List<String> outputs, String level, String packageLevels)
            throws ConfigException {
        configureOutputs(logger, outputs, level);
        if (!"capnslog".equals(logger) || packageLevels.isEmpty()) {
            return;
        }
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        java.util.Map<String, Level> levels = new java.util.LinkedHashMap<>();
        for (String part : packageLevels.split(",")) {
            String[] kv = part.trim().split("=", 2);
            Level l = kv.length == 2 ? capnslogLevel(kv[1].trim()) : null;
            if (l == null || kv[0].trim().isEmpty()) {
                LoggerFactory.getLogger(LogSetup.class).warn("couldn't parse log level string: {}, continuing with default levels",
                        "bad log level format: " + part.trim());
                return;
            }
            levels.put(kv[0].trim(), l);
        }
        levels.forEach((name, l) -> ctx.getLogger("*".equals(name) ? Logger.ROOT_LOGGER_NAME : name).setLevel(l));
    }

    /** @return the Logback level of a capnslog level name, or null */
    static Level capnslogLevel(String name) {
        switch (name.toUpperCase(java.util.Locale.ROOT)) {
            case "CRITICAL": case "C": case "ERROR": case "E": return Level.ERROR;
            case "WARNING": case "W": return Level.WARN;
            case "NOTICE": case "N": case "INFO": case "I": return Level.INFO;
            case "DEBUG": case "D": return Level.DEBUG;
            case "TRACE": case "T": return Level.TRACE;
            default: return null;
        }
    }

    private static void configureOutputs(String logger, List<String> outputs, String level) throws ConfigException {
        if (System.getProperty("logback.configurationFile") != null) {
            return;
        }
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level, Level.INFO));
        // Third-party libraries speak only when something is wrong (as conf/logback.xml).
        for (String quiet : List.of("io.netty", "net.openhft", "io.vertx")) {
            ctx.getLogger(quiet).setLevel(Level.WARN);
        }
        for (String output : outputs) {
            OutputStreamAppender<ILoggingEvent> appender;
            switch (output) {
                case "default", "stderr" -> {
                    ConsoleAppender<ILoggingEvent> c = new ConsoleAppender<>();
                    c.setTarget("System.err");
                    appender = c;
                }
                case "stdout" -> {
                    ConsoleAppender<ILoggingEvent> c = new ConsoleAppender<>();
                    c.setTarget("System.out");
                    appender = c;
                }
                default -> {
                    FileAppender<ILoggingEvent> f = new FileAppender<>();
                    f.setFile(output);
                    f.setAppend(true);
                    appender = f;
                }
            }
            appender.setContext(ctx);
            appender.setName(output);
            appender.setEncoder("zap".equals(logger) ? zapEncoder(ctx) : capnslogEncoder(ctx));
            appender.start();
            if (!appender.isStarted()) {
                throw new ConfigException("vertcd: cannot open log output " + output);
            }
            root.addAppender(appender);
        }
    }

    private static Encoder<ILoggingEvent> capnslogEncoder(LoggerContext ctx) {
        PatternLayoutEncoder e = new PatternLayoutEncoder();
        e.setContext(ctx);
        e.setPattern(CAPNSLOG_PATTERN);
        e.start();
        return e;
    }

    /** The JSON line of etcd's zap logger (pkg/logutil DefaultZapLoggerConfig: JSON encoding, ISO 8601 times, short caller). */
    static Encoder<ILoggingEvent> zapEncoder(LoggerContext ctx) {
        LoggingEventCompositeJsonEncoder e = new LoggingEventCompositeJsonEncoder();
        e.setContext(ctx);
        LoggingEventJsonProviders providers = new LoggingEventJsonProviders();
        providers.addProvider(new ZapLevelJsonProvider());
        LoggingEventFormattedTimestampJsonProvider ts = new LoggingEventFormattedTimestampJsonProvider();
        ts.setFieldName("ts");
        ts.setPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
        ts.setTimeZone("UTC");
        providers.addTimestamp(ts);
        providers.addProvider(new ZapCallerJsonProvider());
        MessageJsonProvider msg = new MessageJsonProvider();
        msg.setFieldName("msg");
        providers.addMessage(msg);
        providers.addKeyValuePairs(new KeyValuePairsJsonProvider());
        StackTraceJsonProvider stack = new StackTraceJsonProvider();
        stack.setFieldName("stacktrace");
        providers.addStackTrace(stack);
        e.setProviders(providers);
        e.start();
        return e;
    }
}
