package io.outpost.hub.api;

import java.time.Instant;
import java.util.Objects;

/**
 * One edge node as the Kubernetes API has it.
 *
 * @param name the Node's name
 * @param ready its Ready condition's status: {@code True}, {@code False} or {@code Unknown} (no
 *     condition yet counts as Unknown)
 * @param reason the Ready condition's reason, or ""
 * @param version the version the gateway reports ({@code status.nodeInfo.kubeletVersion}), or ""
 * @param internalIp its InternalIP address, or ""
 * @param lastHeartbeat when it last reported its status (this replica's record or the Ready
 *     condition's lastHeartbeatTime, whichever is later), or null if never
 * @param created the Node's creationTimestamp, or null
 * @since 1.1
 */
public record EdgeNodeInfo(String name, String ready, String reason, String version, String internalIp, Instant lastHeartbeat,
        Instant created) {
    public EdgeNodeInfo {
        Objects.requireNonNull(name, "name");
        ready = ready == null || ready.isEmpty() ? "Unknown" : ready;
        reason = reason == null ? "" : reason;
        version = version == null ? "" : version;
        internalIp = internalIp == null ? "" : internalIp;
    }
}
