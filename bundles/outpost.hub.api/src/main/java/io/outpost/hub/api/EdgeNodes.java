package io.outpost.hub.api;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The cloud side's view of the edge nodes (gateways): every Node with the edge role, whether it
 * is Ready, and when it last reported — also gateways connected to other replicas. The node
 * controller provides it. Thread-safe; answers from a watched cache, does not block on the API
 * server once the cache is filled.
 *
 * @since 1.1
 */
@ProviderType
public interface EdgeNodes {
    /** @return the edge nodes, sorted by name; never null */
    List<EdgeNodeInfo> nodes();
}
