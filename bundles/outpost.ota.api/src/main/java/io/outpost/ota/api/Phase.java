package io.outpost.ota.api;

/**
 * A gateway's progress through one update, as reported in the rollout's status.
 *
 * @since 0.1
 */
public enum Phase {
    /** Not started on this gateway (waiting for its batch, or for it to connect). */
    Pending,
    Downloading,
    Verifying,
    Installing,
    HealthChecking,
    /** The new versions are installed and healthy. */
    Succeeded,
    /** Installing or the health check failed; the previous versions were restored. */
    RolledBack,
    /** Refused or failed before anything was changed (download, hash, signature, downgrade). */
    Failed;

    /** @return whether the update is over on the gateway */
    public boolean terminal() {
        return this == Succeeded || this == RolledBack || this == Failed;
    }
}
