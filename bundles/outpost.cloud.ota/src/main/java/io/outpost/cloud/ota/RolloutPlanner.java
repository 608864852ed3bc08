package io.outpost.cloud.ota;

import io.outpost.ota.api.Phase;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides, from the gateways' phases, which gateways start next and what the rollout's phase is.
 * Pure and deterministic (no clock, no I/O), so the controller can call it on every change and
 * the rules are unit-tested on their own.
 *
 * <p>Rules: the first {@code canary} gateways (by name) go first; a failure among them halts the
 * rollout. Then gateways start while fewer than {@code batchSize} are in progress (a sliding
 * batch: batchSize is maxUnavailable). More than {@code failureThreshold} failed or rolled-back
 * gateways halt it. While paused nothing new starts; updates already running finish.
 */
final class RolloutPlanner {
    /** Rollout phases, as written to {@code status.phase}. */
    static final String PROGRESSING = "Progressing";
    static final String PAUSED = "Paused";
    static final String HALTED = "Halted";
    static final String SUCCEEDED = "Succeeded";
    static final String COMPLETED = "CompletedWithFailures";

    record Strategy(int canary, int batchSize, int failureThreshold, boolean paused) {
        Strategy {
            canary = Math.max(0, canary);
            batchSize = Math.max(1, batchSize);
            failureThreshold = Math.max(0, failureThreshold);
        }
    }

    /** One gateway: its phase and whether its command was sent (a sent gateway in Pending waits for its agent). */
    record Gateway(String name, Phase phase, boolean sent) {
        boolean inProgress() {
            return sent && !phase.terminal();
        }

        boolean failed() {
            return phase == Phase.Failed || phase == Phase.RolledBack;
        }
    }

    record Counts(int total, int pending, int inProgress, int succeeded, int failed, int rolledBack) {
    }

    record Plan(List<String> start, String phase, String reason, String message, Counts counts) {
    }

    private RolloutPlanner() {
    }

    /** @param gateways the targets, in rollout order (the first ones are the canaries) */
    static Plan plan(List<Gateway> gateways, Strategy s) {
        int canaries = Math.min(s.canary(), gateways.size());
        Counts counts = count(gateways);
        int failures = counts.failed() + counts.rolledBack();
        List<Gateway> canary = gateways.subList(0, canaries);
        List<String> start = new ArrayList<>();
        if (canary.stream().anyMatch(Gateway::failed)) {
            String who = canary.stream().filter(Gateway::failed).map(Gateway::name).findFirst().orElse("");
            return new Plan(start, HALTED, "CanaryFailed", "canary gateway " + who + " failed; the other gateways were not updated", counts);
        }
        if (failures > s.failureThreshold()) {
            return new Plan(start, HALTED, "FailureThreshold", failures + " gateways failed, more than the failureThreshold of " + s.failureThreshold()
                    + "; no further gateway starts", counts);
        }
        if (gateways.stream().allMatch(g -> g.phase().terminal())) {
            return failures == 0 ? new Plan(start, SUCCEEDED, "AllSucceeded", "all " + gateways.size() + " gateways updated", counts)
                    : new Plan(start, COMPLETED, "CompletedWithFailures", failures + " of " + gateways.size() + " gateways failed (within the failureThreshold)", counts);
        }
        if (s.paused()) {
            return new Plan(start, PAUSED, "Paused", "paused: " + counts.inProgress() + " running updates finish, no new gateway starts", counts);
        }
        int running = counts.inProgress();
        boolean canaryDone = canary.stream().allMatch(g -> g.phase() == Phase.Succeeded);
        List<Gateway> eligible = canaryDone ? gateways : canary;
        for (Gateway g : eligible) {
            if (running >= s.batchSize()) {
                break;
            }
            if (!g.sent() && g.phase() == Phase.Pending) {
                start.add(g.name());
                running++;
            }
        }
        String msg = canaryDone ? running + " in progress, " + counts.succeeded() + " of " + gateways.size() + " updated"
                : "canary: " + canaries + " gateway(s) first";
        return new Plan(start, PROGRESSING, canaryDone ? "Progressing" : "Canary", msg, counts);
    }

    static Counts count(List<Gateway> gateways) {
        int pending = 0;
        int inProgress = 0;
        int ok = 0;
        int failed = 0;
        int rolledBack = 0;
        for (Gateway g : gateways) {
            switch (g.phase()) {
                case Succeeded -> ok++;
                case Failed -> failed++;
                case RolledBack -> rolledBack++;
                default -> {
                    if (g.sent()) {
                        inProgress++;
                    } else {
                        pending++;
                    }
                }
            }
        }
        return new Counts(gateways.size(), pending, inProgress, ok, failed, rolledBack);
    }
}
