package io.outpost.mapper.opcua;

import static io.outpost.mapper.opcua.Devices.device;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.outpost.mapper.opcua.Devices.Prop;
import java.util.List;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.junit.jupiter.api.Test;

class DeviceConfigTest {
    static List<String> problems(String protocolConfig, String visitor) throws Exception {
        return DeviceConfig.parse(device(protocolConfig, new Prop("p", "FLOAT", visitor))).problems();
    }

    @Test
    void aKubeEdgeDeviceParses() throws Exception {
        DeviceConfig.Parsed p = DeviceConfig.parse(device("{\"url\":\"opc.tcp://10.0.0.5:4840\",\"securityPolicy\":\"Basic256Sha256\","
                + "\"securityMode\":\"Sign\",\"userName\":\"op\",\"password\":\"/etc/pw\",\"certificate\":\"c.pem\",\"privateKey\":\"k.pem\"}",
                new Prop("p", "FLOAT", "{\"nodeID\":\"ns=2;s=Boiler.Temperature\",\"browseName\":\"Temperature\"}")));
        assertEquals(List.of(), p.problems());
        DeviceConfig c = p.config();
        assertEquals(SecurityPolicy.Basic256Sha256, c.policy());
        assertEquals(MessageSecurityMode.Sign, c.mode());
        assertEquals("op", c.userName());
        assertEquals("/etc/pw", c.passwordFile());
        assertEquals(NodeId.parse("ns=2;s=Boiler.Temperature"), c.points().get("p").node());
        assertFalse(c.points().get("p").subscribe());
        assertEquals(200, c.points().get("p").samplingMillis(), "the collect cycle, when monitored");
        assertEquals(5000, c.timeoutMillis());
    }

    @Test
    void defaultsFollowThePolicy() throws Exception {
        DeviceConfig none = DeviceConfig.parse(device("{\"url\":\"opc.tcp://h:4840\"}", new Prop("p", "INT", "{\"nodeID\":\"ns=1;i=1005\"}"))).config();
        assertEquals(SecurityPolicy.None, none.policy());
        assertEquals(MessageSecurityMode.None, none.mode());
        DeviceConfig secure = DeviceConfig.parse(device("{\"url\":\"opc.tcp://h\",\"securityPolicy\":\"http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256\"}",
                new Prop("p", "INT", "{\"nodeID\":\"ns=1;i=1005\"}"))).config();
        assertEquals(SecurityPolicy.Basic256Sha256, secure.policy());
        assertEquals(MessageSecurityMode.SignAndEncrypt, secure.mode());
    }

    @Test
    void kubeEdgesCommaNotationAndTheBrowsePathAreAccepted() throws Exception {
        DeviceConfig c = DeviceConfig.parse(device("{\"url\":\"opc.tcp://h\",\"subscribe\":true}",
                new Prop("a", "INT", "{\"nodeID\":\"ns=1,i=1005\"}"), new Prop("b", "STRING", "{\"browseName\":\"2:Boiler/2:Label\",\"subscribe\":false}"))).config();
        assertEquals(NodeId.parse("ns=1;i=1005"), c.points().get("a").node());
        assertTrue(c.points().get("a").subscribe(), "subscribe in configData applies to every property");
        assertNull(c.points().get("b").node());
        assertEquals("2:Boiler/2:Label", c.points().get("b").browsePath());
        assertFalse(c.points().get("b").subscribe(), "a property can opt out");
    }

    @Test
    void problemsSayWhatToFix() throws Exception {
        String v = "{\"nodeID\":\"ns=2;s=T\"}";
        assertEquals(List.of("spec.protocol.configData.url is missing: set the server's endpoint, for example opc.tcp://10.0.0.5:4840"), problems("{}", v));
        assertEquals(List.of("spec.protocol.configData.url 'http://h:80' is not an opc.tcp://host[:port][/path] address (only the binary TCP transport is supported)"),
                problems("{\"url\":\"http://h:80\"}", v));
        assertEquals(List.of("spec.protocol.configData.securityPolicy Basic256 is deprecated by the OPC Foundation (SHA-1) and not offered: use Basic256Sha256"),
                problems("{\"url\":\"opc.tcp://h\",\"securityPolicy\":\"Basic256\"}", v));
        assertEquals(List.of("spec.protocol.configData.securityPolicy 'Strong' is none of None, Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss"),
                problems("{\"url\":\"opc.tcp://h\",\"securityPolicy\":\"Strong\"}", v));
        assertEquals(List.of("spec.protocol.configData.securityMode Sign needs a securityPolicy (Basic256Sha256); with securityPolicy None the mode is None"),
                problems("{\"url\":\"opc.tcp://h\",\"securityMode\":\"Sign\"}", v));
        assertEquals(List.of("spec.protocol.configData.securityMode None does not go with securityPolicy Basic256Sha256: use Sign or SignAndEncrypt"),
                problems("{\"url\":\"opc.tcp://h\",\"securityPolicy\":\"Basic256Sha256\",\"securityMode\":\"None\"}", v));
        assertEquals(List.of("spec.protocol.configData: userName is set but password is not; password is the path of a file holding the password "
                + "(as in KubeEdge), for example /etc/outpost/opcua/boiler.password"), problems("{\"url\":\"opc.tcp://h\",\"userName\":\"op\"}", v));
        assertEquals(List.of("spec.protocol.configData: set both certificate and privateKey (files of the gateway's own certificate and its key), "
                + "or neither to have the gateway make one"), problems("{\"url\":\"opc.tcp://h\",\"certificate\":\"c.pem\"}", v));
        assertEquals(List.of("spec.protocol.configData.timeout 5 is outside 100..600000 (milliseconds; KubeEdge's mappers disagree on the unit, "
                + "so Outpost takes milliseconds: 5000 is 5 s)"), problems("{\"url\":\"opc.tcp://h\",\"timeout\":5}", v));
        assertEquals(List.of("property p: visitors.configData.nodeID is missing: set the node's id, for example ns=2;s=Boiler.Temperature or "
                + "ns=1;i=1005 (or browseName, a browse path from the Objects folder such as 2:Boiler/2:Temperature)"), problems("{\"url\":\"opc.tcp://h\"}", "{}"));
        assertEquals(List.of("property p: visitors.configData.nodeID 'ns=x;q=1' is not an OPC UA node id: write ns=<namespace index>;<i|s|g|b>=<identifier>, "
                + "for example ns=2;s=Boiler.Temperature"), problems("{\"url\":\"opc.tcp://h\"}", "{\"nodeID\":\"ns=x;q=1\"}"));
        assertEquals(List.of("property p: visitors.configData.subscribe 'often' is not true or false"),
                problems("{\"url\":\"opc.tcp://h\"}", "{\"nodeID\":\"ns=2;s=T\",\"subscribe\":\"often\"}"));
    }

    @Test
    void theMapperReportsTheProblemsAndOpensNothing() throws Exception {
        OpcUaMapper m = new OpcUaMapper(java.nio.file.Path.of("target/unused"), List.of());
        try {
            var spec = device("{}", new Prop("p", "FLOAT", "{}"));
            assertEquals(2, m.validate(spec).size());
            var e = org.junit.jupiter.api.Assertions.assertThrows(io.outpost.mapper.api.MapperException.class, () -> m.open(spec, new Devices.Recorder()));
            assertEquals(io.outpost.mapper.api.MapperException.Kind.CONFIG, e.kind());
        } finally {
            m.stop();
        }
    }
}
