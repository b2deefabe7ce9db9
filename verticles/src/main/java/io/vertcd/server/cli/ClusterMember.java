package io.vertcd.server.cli;

import java.net.URI;
import java.util.List;

/**
 * One member of the initial cluster, as {@code --initial-cluster} describes it.
 *
 * @param name the member's name (the left side of {@code name=url})
 * @param id the member ID derived from its peer URLs and the cluster token (etcd NewMember, {@link MemberIds#memberId})
 * @param peerUrls its advertised peer URLs, in the order given
 */
public record ClusterMember(String name, long id, List<URI> peerUrls) {
    /** Copies the URL list. */
    public ClusterMember {
        peerUrls = List.copyOf(peerUrls);
    }
}
