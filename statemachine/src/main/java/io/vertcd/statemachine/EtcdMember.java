package io.vertcd.statemachine;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A member as etcd 3.4 keeps it in the backend's {@code members} bucket (etcdserver/api/membership/store.go
 * mustSaveMemberToBackend): key = the member ID in hex without padding (types.ID.String), value = the JSON of
 * membership.Member ({@code id} as a decimal uint64, {@code peerURLs}, {@code name}, {@code clientURLs},
 * {@code isLearner} only when true).
 *
 * @param id the member ID
 * @param name the member's name (empty until published)
 * @param peerUrls its peer URLs
 * @param clientUrls its client URLs
 * @param learner whether it is a learner
 */
public record EtcdMember(long id, String name, List<String> peerUrls, List<String> clientUrls, boolean learner) {
    /** @return the bucket key */
    public byte[] key() {
        return Long.toUnsignedString(id, 16).getBytes(StandardCharsets.UTF_8);
    }

    /** @return the bucket value: the member's JSON as Go's encoding/json writes it */
    public byte[] json() {
        StringBuilder b = new StringBuilder("{\"id\":").append(Long.toUnsignedString(id)).append(",\"peerURLs\":");
        array(b, peerUrls);
        if (!name.isEmpty()) {
            b.append(",\"name\":");
            string(b, name);
        }
        if (!clientUrls.isEmpty()) {
            b.append(",\"clientURLs\":");
            array(b, clientUrls);
        }
        if (learner) {
            b.append(",\"isLearner\":true");
        }
        return b.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void array(StringBuilder b, List<String> items) {
        b.append('[');
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            string(b, items.get(i));
        }
        b.append(']');
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '<', '>', '&' -> b.append(String.format("\\u%04x", (int) c)); // Go escapes HTML characters
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
