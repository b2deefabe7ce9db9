package io.vertcd.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * bcrypt password hashes (BouncyCastle's OpenBSDBCrypt, {@code $2a$} modular crypt format, the format of etcd's
 * golang.org/x/crypto/bcrypt). Hashing and checking are deliberately slow: call them on a worker thread, never on an
 * event loop. Thread-safe.
 */
public final class Passwords {
    /** etcd bcrypt.MinCost / MaxCost / DefaultCost. */
    public static final int MIN_COST = 4;
    public static final int MAX_COST = 31;
    public static final int DEFAULT_COST = 10;
    /** bcrypt uses at most 72 bytes of a password (longer ones are cut, as golang's bcrypt refuses them in 3.5+). */
    private static final int MAX_BYTES = 72;

    private final SecureRandom random = new SecureRandom();
    private final int cost;

    /** @param cost {@code --bcrypt-cost}; outside [4, 31] the default 10 is used, as etcd NewAuthStore does */
    public Passwords(int cost) {
        this.cost = cost < MIN_COST || cost > MAX_COST ? DEFAULT_COST : cost;
    }

    /** @return the cost in use */
    public int cost() {
        return cost;
    }

    /** @return the bcrypt hash of {@code password}; slow (2^cost rounds) */
    public String hash(String password) {
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        return OpenBSDBCrypt.generate("2a", bytes(password), salt, cost);
    }

    /** @return true if {@code password} matches {@code hash}; false for an empty or malformed hash. Slow. */
    public static boolean check(String hash, String password) {
        if (hash == null || hash.isEmpty()) {
            return false;
        }
        try {
            return OpenBSDBCrypt.checkPassword(hash, bytes(password));
        } catch (IllegalArgumentException | org.bouncycastle.crypto.DataLengthException e) {
            return false;
        }
    }

    private static byte[] bytes(String password) {
        byte[] b = password.getBytes(StandardCharsets.UTF_8);
        if (b.length > MAX_BYTES) {
            return java.util.Arrays.copyOf(b, MAX_BYTES);
        }
        return b;
    }
}
