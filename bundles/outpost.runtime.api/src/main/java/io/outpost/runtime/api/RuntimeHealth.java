package io.outpost.runtime.api;

import java.util.List;
import java.util.Objects;

/**
 * The health of a runtime, as a node condition needs it. CRI names two required conditions: {@code
 * RuntimeReady} (containers can run) and {@code NetworkReady} (the pod network is set up); a
 * runtime may report more.
 *
 * @param runtimeReady containers can run
 * @param networkReady pods can get a network
 * @param conditions every condition the runtime reported, or a single {@code RuntimeReady=false}
 *     condition saying why it could not be reached
 * @since 0.1.0
 */
public record RuntimeHealth(boolean runtimeReady, boolean networkReady, List<Condition> conditions) {
    public RuntimeHealth {
        conditions = Copies.list(conditions);
    }

    /** @return both required conditions hold */
    public boolean ready() {
        return runtimeReady && networkReady;
    }

    /**
     * @return the reasons and messages of the conditions that do not hold, joined for people;
     *     empty when ready
     */
    public String problems() {
        StringBuilder out = new StringBuilder();
        for (Condition c : conditions) {
            if (!c.status()) {
                if (out.length() > 0) {
                    out.append("; ");
                }
                out.append(c.type()).append(": ").append(c.reason());
                if (!c.message().isEmpty()) {
                    out.append(" (").append(c.message()).append(')');
                }
            }
        }
        return out.toString();
    }

    /**
     * One runtime condition.
     *
     * @param type for example {@code RuntimeReady}
     * @param status whether it holds
     * @param reason a CamelCase reason; empty when none
     * @param message a human-readable detail; empty when none
     */
    public record Condition(String type, boolean status, String reason, String message) {
        public Condition {
            Objects.requireNonNull(type, "type");
            reason = Copies.orEmpty(reason);
            message = Copies.orEmpty(message);
        }
    }
}
