package io.outpost.link.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.TextNode;
import io.outpost.hub.api.Message;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MessageCodecTest {
    private final MessageCodec codec = new MessageCodec(1024);

    @Test
    void roundTripsWithKubeEdgeFieldNames() throws Exception {
        Message m = Message.builder().id("id-1").parentId("p").timestamp(1700000000123L).resourceVersion("42").sync(true)
                .source("edged").destination("edgecontroller").group("resource").operation("update").resource("default/nodestatus/n1")
                .content(TextNode.valueOf("OK")).build();
        String json = new String(codec.encode(m), StandardCharsets.UTF_8);
        for (String field : new String[] {"\"msg_id\":\"id-1\"", "\"parent_msg_id\":\"p\"", "\"timestamp\":1700000000123",
                "\"resourceversion\":\"42\"", "\"sync\":true", "\"route\":{", "\"group\":\"resource\"", "\"content\":\"OK\""}) {
            assertTrue(json.contains(field), field + " in " + json);
        }
        Message back = codec.decode(json);
        assertEquals(m.toString(), back.toString());
        assertEquals("42", back.resourceVersion());
        assertTrue(back.sync());
    }

    @Test
    void decodesWhatKubeEdgeSends() throws Exception {
        // a keepalive as KubeEdge's edgehub writes it: no parent, no destination, sync omitted
        Message m = codec.decode("{\"header\":{\"msg_id\":\"a\",\"timestamp\":1},\"route\":{\"source\":\"websocket\",\"group\":\"resource\","
                + "\"operation\":\"keepalive\",\"resource\":\"node\"},\"content\":\"ping\"}");
        assertEquals("keepalive", m.operation());
        assertEquals("ping", m.content().asText());
        assertEquals("", m.parentId());
    }

    @Test
    void refusesWhatIsNotAMessage() {
        assertMessage("message is not valid JSON", "{not json");
        assertMessage("must be a JSON object", "[1,2]");
        assertMessage("no 'header'", "{\"route\":{}}");
        assertMessage("no 'route'", "{\"header\":{\"msg_id\":\"a\"}}");
        assertMessage("lacks 'msg_id'", "{\"header\":{},\"route\":{\"operation\":\"x\"}}");
        assertMessage("lacks 'operation'", "{\"header\":{\"msg_id\":\"a\"},\"route\":{}}");
        assertMessage("must be a string", "{\"header\":{\"msg_id\":{}},\"route\":{\"operation\":\"x\"}}");
        assertMessage("exceeds the limit", "{\"header\":{\"msg_id\":\"" + "x".repeat(2000) + "\"}}");
        assertMessage("not valid JSON", "[".repeat(500) + "]".repeat(500));
    }

    @Test
    void nullContentIsJsonNullNotJavaNull() throws Exception {
        Message m = codec.decode("{\"header\":{\"msg_id\":\"a\"},\"route\":{\"operation\":\"update\"},\"content\":null}");
        assertTrue(m.content().isNull());
    }

    private void assertMessage(String expected, String frame) {
        CodecException e = assertThrows(CodecException.class, () -> codec.decode(frame));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
