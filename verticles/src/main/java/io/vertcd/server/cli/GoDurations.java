package io.vertcd.server.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses duration flags written the way etcd's flags (Go's {@code time.ParseDuration}) take them:
 * a sequence of decimal numbers with a unit each, e.g. {@code 10m}, {@code 1h30m}, {@code 1.5s},
 * {@code 500ms}. Units: ns, us (or µs), ms, s, m, h. A bare {@code 0} is zero.
 */
public final class GoDurations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

    private GoDurations() {
    }

    /**
     * @param flag the flag's name, for the error message
     * @param text the value, e.g. {@code 10m}
     * @return the duration in milliseconds (fractions of a millisecond are dropped)
     * @throws ConfigException {@code vertcd: invalid duration '<text>' for <flag>} when malformed
     */
    public static long parseMs(String flag, String text) throws ConfigException {
        String s = text.trim();
        if (s.equals("0")) {
            return 0;
        }
        Matcher m = PART.matcher(s);
        int at = 0;
        double nanos = 0;
        while (at < s.length() && m.find(at) && m.start() == at) {
            double n = Double.parseDouble(m.group(1));
            nanos += n * switch (m.group(2)) {
                case "ns" -> 1d;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
            at = m.end();
        }
        if (s.isEmpty() || at != s.length()) {
            throw new ConfigException("vertcd: invalid duration '" + text + "' for " + flag);
        }
        return (long) (nanos / 1e6);
    }

    /**
     * Formats milliseconds as Go's {@code time.Duration.String} does for whole milliseconds: {@code 100ms}, {@code 1s},
     * {@code 1.5s}, {@code 5m0s}, {@code 1h30m0s}.
     *
     * @param ms a duration in milliseconds, not negative
     * @return Go's text of it
     */
    public static String format(long ms) {
        if (ms == 0) {
            return "0s";
        }
        if (ms < 1000) {
            return ms + "ms";
        }
        long h = ms / 3_600_000;
        long m = ms / 60_000 % 60;
        String sec = java.math.BigDecimal.valueOf(ms % 60_000, 3).stripTrailingZeros().toPlainString() + "s";
        if (h > 0) {
            return h + "h" + m + "m" + sec;
        }
        return m > 0 ? m + "m" + sec : sec;
    }
}
