package io.outpost.edge.twin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletionStage;

/** How the twin reaches the cloud: the edge hub in the gateway, a recorder in tests. */
interface Uplink {
    /** @return whether a message sent now would be delivered */
    boolean connected();

    /**
     * Sends an upstream device message (group {@code resource}, source {@code twin}).
     *
     * @param resource {@code device/<ns>/<name>/twin/edge_updated} or {@code …/state/update}
     * @return completes with true when the cloud accepted it, false when it refused or did not
     *     answer; never exceptionally
     */
    CompletionStage<Boolean> send(String resource, JsonNode content);
}
