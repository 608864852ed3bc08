package io.outpost.cloud.node;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.MessageContext;
import org.junit.jupiter.api.Test;

/** Messages the node controller refuses before touching Kubernetes, each with a clear reason. */
class NodeControllerInputTest {
    private final NodeController controller = new NodeController();
    private final MessageContext ctx = new MessageContext() {
        @Override
        public String nodeName() {
            return "edge-1";
        }

        @Override
        public boolean reply(Message message) {
            return true;
        }
    };

    private String refusal(String op, String resource, com.fasterxml.jackson.databind.JsonNode content) {
        Message m = Message.builder().group("resource").operation(op).resource(resource).content(content).build();
        return assertThrows(IllegalArgumentException.class, () -> controller.handle(ctx, m)).getMessage();
    }

    @Test
    void refusesNullContent() {
        String why = refusal("update", "node/edge-1/default/nodestatus/edge-1", JsonNodeFactory.instance.nullNode());
        assertTrue(why.contains("NodeStatusRequest"), why);
        why = refusal("insert", "node/edge-1/default/node/edge-1", JsonNodeFactory.instance.nullNode());
        assertTrue(why.contains("Node object"), why);
    }

    @Test
    void refusesReportsAboutAnotherNode() {
        String why = refusal("update", "node/edge-1/default/nodestatus/edge-2", JsonNodeFactory.instance.objectNode());
        assertTrue(why.contains("only report about itself"), why);
    }

    @Test
    void refusesUnknownOperations() {
        String why = refusal("frobnicate", "node/edge-1/default/nodestatus/edge-1", JsonNodeFactory.instance.objectNode());
        assertTrue(why.contains("not supported"), why);
    }
}
