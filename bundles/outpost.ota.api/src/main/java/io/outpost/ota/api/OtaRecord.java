package io.outpost.ota.api;

import java.util.Map;

/**
 * One update on a gateway, as its OTA agent keeps it in the meta store.
 *
 * @param rollout the rollout, {@code <namespace>/<name>}
 * @param revision the rollout's revision (a digest of what it installs) the update belongs to
 * @param name the feature
 * @param version the version to install
 * @param previousVersion the version installed before, or "" when none
 * @param phase the phase reached
 * @param reason why it ended so, or what it is doing; never null
 * @param started epoch ms
 * @param updated epoch ms of the last change
 * @param millis time spent per phase (download, verify, install, health check), in ms
 * @since 0.1
 */
public record OtaRecord(String rollout, String revision, String name, String version, String previousVersion, Phase phase, String reason,
        long started, long updated, Map<String, Long> millis) {
}
