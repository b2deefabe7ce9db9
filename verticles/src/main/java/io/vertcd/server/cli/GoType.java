package io.vertcd.server.cli;

import java.math.BigInteger;

/**
 * The Go type of an etcd flag or configuration-file key, as etcd 3.4 declares it (etcdmain/config.go
 * {@code newConfig}, embed/config.go {@code Config} and {@code configYAML}). It decides how a
 * command-line value parses (Go's {@code flag} package) and which YAML values a configuration file
 * may hold for the key ({@code encoding/json} behind {@code sigs.k8s.io/yaml}).
 */
public enum GoType {
    /** Any text. */
    STRING("string", null, null),
    /** {@code strconv.ParseBool}: 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False. */
    BOOL("bool", null, null),
    /** Go {@code int} / {@code int64}. */
    INT("int", BigInteger.valueOf(Long.MIN_VALUE), BigInteger.valueOf(Long.MAX_VALUE)),
    /** Go {@code int64} (only the name in error messages differs from {@link #INT}). */
    INT64("int64", BigInteger.valueOf(Long.MIN_VALUE), BigInteger.valueOf(Long.MAX_VALUE)),
    /** Go {@code uint}. */
    UINT("uint", BigInteger.ZERO, new BigInteger("18446744073709551615")),
    /** Go {@code uint64}. */
    UINT64("uint64", BigInteger.ZERO, new BigInteger("18446744073709551615")),
    /** Go {@code uint32}. */
    UINT32("uint32", BigInteger.ZERO, BigInteger.valueOf(4294967295L)),
    /** {@code time.Duration}: {@code 1h30m} on the command line, integer nanoseconds in a configuration file. */
    DURATION("time.Duration", BigInteger.valueOf(Long.MIN_VALUE), BigInteger.valueOf(Long.MAX_VALUE)),
    /** {@code []string}: comma-separated on the command line, a YAML sequence in a configuration file. */
    STRINGS("[]string", null, null);

    private final String goName;
    private final BigInteger min;
    private final BigInteger max;

    GoType(String goName, BigInteger min, BigInteger max) {
        this.goName = goName;
        this.min = min;
        this.max = max;
    }

    /** @return the type's name as Go's error messages spell it, e.g. {@code time.Duration} */
    public String goName() {
        return goName;
    }

    /** @return whether the type is an integer (durations included: a configuration file gives them in nanoseconds) */
    public boolean isInteger() {
        return min != null;
    }

    /** @return whether {@code n} fits the type's range */
    public boolean fits(BigInteger n) {
        return min != null && n.compareTo(min) >= 0 && n.compareTo(max) <= 0;
    }

    /**
     * Go's {@code strconv.ParseBool}.
     *
     * @param text the value
     * @return the boolean, or null when Go would refuse it ({@code parse error})
     */
    public static Boolean parseBool(String text) {
        switch (text) {
            case "1": case "t": case "T": case "TRUE": case "true": case "True":
                return Boolean.TRUE;
            case "0": case "f": case "F": case "FALSE": case "false": case "False":
                return Boolean.FALSE;
            default:
                return null;
        }
    }

    /**
     * Go's {@code strconv.ParseInt(text, 0, 64)} / {@code ParseUint}: decimal, {@code 0x}, {@code 0o}, {@code 0b}
     * or a leading-zero octal, underscores between digits allowed with a prefix.
     *
     * @param text the value
     * @return the number, or null when Go would refuse it or it does not fit the type
     */
    public BigInteger parseInteger(String text) {
        String s = text;
        boolean negative = false;
        if (s.startsWith("+") || s.startsWith("-")) {
            negative = s.charAt(0) == '-';
            s = s.substring(1);
        }
        int radix = 10;
        String lower = s.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("0x")) {
            radix = 16;
            s = s.substring(2);
        } else if (lower.startsWith("0o")) {
            radix = 8;
            s = s.substring(2);
        } else if (lower.startsWith("0b")) {
            radix = 2;
            s = s.substring(2);
        } else if (s.length() > 1 && s.startsWith("0")) {
            radix = 8;
            s = s.substring(1);
        }
        if (radix != 10) {
            s = s.replace("_", "");
        }
        if (s.isEmpty() || !s.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            return null;
        }
        BigInteger n;
        try {
            n = new BigInteger(s, radix);
        } catch (NumberFormatException e) {
            return null;
        }
        if (negative) {
            n = n.negate();
        }
        return fits(n) ? n : null;
    }
}
