package io.vertcd.server.tls;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Checks of a verified certificate beyond its chain, as etcd makes them: the allowed Common Name or host name
 * (etcd pkg/transport TLSInfo.baseConfig VerifyPeerCertificate: {@code --peer-cert-allowed-cn},
 * {@code --peer-cert-allowed-hostname}, {@code --client-cert-allowed-hostname}) and, on the peer port, that a
 * client certificate's SANs match the connection's remote address (etcd pkg/transport checkSAN, unless
 * {@code --experimental-peer-skip-client-san-verification}). Host names match as Go's
 * {@code x509.Certificate.VerifyHostname} does: an IP against the IP SANs, a name against the DNS SANs
 * (case-insensitive, a leading {@code *.} matching one label), never the Common Name.
 */
public final class CertificateRules {
    private static final int SAN_DNS = 2;
    private static final int SAN_IP = 7;

    private CertificateRules() {
    }

    /**
     * @param info the port's settings
     * @param cert the other side's verified leaf certificate
     * @return null when allowed, else etcd's reason ({@code client certificate authentication failed})
     */
    public static String checkAllowed(TlsInfo info, X509Certificate cert) {
        if (!info.allowedHostname().isEmpty()) {
            return verifyHostname(cert, info.allowedHostname()) ? null : "client certificate authentication failed";
        }
        if (!info.allowedCn().isEmpty()) {
            return info.allowedCn().equals(ClientCertificates.commonName(cert)) ? null
                    : "client certificate authentication failed";
        }
        return null;
    }

    /**
     * etcd checkCertSAN: a certificate without IP or DNS SANs passes; otherwise the remote IP must be one of its IP
     * SANs, or one of its DNS names must resolve to the remote IP. Resolves names: blocking, call on a worker thread.
     *
     * @param cert the client's verified leaf certificate
     * @param remoteIp the connection's remote IP (no port)
     * @return null when it matches, else the reason (Go's wording)
     */
    public static String checkSan(X509Certificate cert, String remoteIp) {
        List<String> ips = sans(cert, SAN_IP);
        List<String> dns = sans(cert, SAN_DNS);
        if (ips.isEmpty() && dns.isEmpty()) {
            return null;
        }
        if (!ips.isEmpty()) {
            if (verifyHostname(cert, remoteIp)) {
                return null;
            }
            if (dns.isEmpty()) {
                return "x509: certificate is valid for " + String.join(", ", ips) + ", not " + remoteIp;
            }
        }
        for (String name : dns) {
            if (name.startsWith("*.")) {
                continue; // etcd resolves only exact names; a wildcard needs the reverse lookup it rarely has
            }
            try {
                for (InetAddress a : InetAddress.getAllByName(name)) {
                    if (sameIp(a.getHostAddress(), remoteIp)) {
                        return null;
                    }
                }
            } catch (UnknownHostException e) {
                // try the next name
            }
        }
        return "tls: \"" + remoteIp + "\" does not match any of DNSNames " + dns;
    }

    /** Go x509 VerifyHostname (no Common Name fallback). */
    public static boolean verifyHostname(X509Certificate cert, String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (SelfCert.isIpLiteral(h)) {
            for (String ip : sans(cert, SAN_IP)) {
                if (sameIp(ip, h)) {
                    return true;
                }
            }
            return false;
        }
        String want = h.toLowerCase(Locale.ROOT);
        if (want.endsWith(".")) {
            want = want.substring(0, want.length() - 1);
        }
        for (String name : sans(cert, SAN_DNS)) {
            String n = name.toLowerCase(Locale.ROOT);
            if (n.equals(want)) {
                return true;
            }
            if (n.startsWith("*.") && want.indexOf('.') > 0
                    && want.substring(want.indexOf('.')).equals(n.substring(1))) {
                return true;
            }
        }
        return false;
    }

    private static boolean sameIp(String a, String b) {
        try {
            return InetAddress.getByName(a).equals(InetAddress.getByName(b)); // literals: no lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static List<String> sans(X509Certificate cert, int type) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> all = cert.getSubjectAlternativeNames();
            if (all != null) {
                for (List<?> san : all) {
                    if (san.size() >= 2 && san.get(0) instanceof Integer t && t == type && san.get(1) instanceof String v) {
                        out.add(v);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no usable SANs
        }
        return out;
    }
}
