package io.outpost.mapper.opcua;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.outpost.mapper.opcua.client.UaFailure;
import io.outpost.twin.api.AccessMode;
import io.outpost.twin.api.PropertySpec;
import io.outpost.twin.api.PropertyType;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UInteger;
import org.junit.jupiter.api.Test;

class OpcUaSessionTest {
    private static PropertySpec p(PropertyType t) {
        return new PropertySpec("p", t, AccessMode.READ_WRITE, null, null, "", null, 1000, 10000, false, "", null);
    }

    @Test
    void valuesTakeTheModelsType() {
        assertEquals("22", OpcUaSession.text(p(PropertyType.INT), 21.6), "INT rounds a float node");
        assertEquals("7", OpcUaSession.text(p(PropertyType.INT), 7));
        assertEquals("4294967295", OpcUaSession.text(p(PropertyType.INT), UInteger.MAX));
        assertEquals("1", OpcUaSession.text(p(PropertyType.INT), true));
        assertEquals("true", OpcUaSession.text(p(PropertyType.BOOLEAN), 3));
        assertEquals("false", OpcUaSession.text(p(PropertyType.BOOLEAN), 0.0));
        assertEquals("21.6", OpcUaSession.text(p(PropertyType.FLOAT), 21.6));
        assertEquals("21.6", OpcUaSession.text(p(PropertyType.STRING), 21.6));
    }

    @Test
    void offlineReasonsStartWithTheirKind() {
        assertEquals("timeout: no answer", OpcUaSession.reason(new UaFailure(UaFailure.Kind.TIMEOUT, "no answer")));
        assertEquals("unreachable: connection refused by h:4840", OpcUaSession.reason(new UaFailure(UaFailure.Kind.UNREACHABLE, "connection refused by h:4840")));
        assertEquals("security: not trusted", OpcUaSession.reason(new UaFailure(UaFailure.Kind.SECURITY, "not trusted")));
        assertEquals("config: no such node", OpcUaSession.reason(new UaFailure(UaFailure.Kind.CONFIG, "no such node")));
        assertEquals("device error: Bad_Internal", OpcUaSession.reason(new UaFailure(UaFailure.Kind.DEVICE, "Bad_Internal")));
    }
}
