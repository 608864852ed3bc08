package io.outpost.edge.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.runtime.api.ContainerConfig;
import org.junit.jupiter.api.Test;

class PodSpecsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void quantities() {
        assertEquals(500, PodSpecs.milliCpu("500m"));
        assertEquals(2000, PodSpecs.milliCpu("2"));
        assertEquals(250, PodSpecs.milliCpu("0.25"));
        assertEquals(64L << 20, PodSpecs.bytes("64Mi"));
        assertEquals(1_000_000_000L, PodSpecs.bytes("1G"));
        assertEquals(1000, PodSpecs.bytes("1k"));
        assertEquals(123, PodSpecs.bytes("123"));
        assertThrows(IllegalArgumentException.class, () -> PodSpecs.bytes("12Qi"));
        assertThrows(IllegalArgumentException.class, () -> PodSpecs.milliCpu("1.5m"));
    }

    @Test
    void limitsBecomeCgroupSettingsTheKubeletsWay() throws Exception {
        assertNull(PodSpecs.resources(JSON.readTree("{}")));
        assertEquals(new ContainerConfig.Resources(256, 100_000, 100_000, 0),
                PodSpecs.resources(JSON.readTree("{\"resources\":{\"limits\":{\"cpu\":\"1\"},\"requests\":{\"cpu\":\"250m\"}}}")));
        assertEquals(ContainerConfig.Resources.memory(128L << 20),
                PodSpecs.resources(JSON.readTree("{\"resources\":{\"limits\":{\"memory\":\"128Mi\"}}}")));
    }

    @Test
    void sandboxCarriesThePodsIdentity() throws Exception {
        var sb = PodSpecs.sandbox(PodManagerTest.pod("web", "Always"), 2);
        assertEquals("web", sb.name());
        assertEquals("uid-web", sb.uid());
        assertEquals(2, sb.attempt());
        assertEquals("web", sb.hostname());
        assertEquals("uid-web", sb.labels().get(PodSpecs.LABEL_UID));
    }

    @Test
    void dnsIsTheClusterDnsForClusterFirstAndTheDnsConfigForNone() throws Exception {
        var pod = JSON.readTree("{\"metadata\":{\"namespace\":\"shop\"},\"spec\":{\"dnsConfig\":{\"searches\":[\"corp\"]}}}");
        assertNull(PodSpecs.dns(pod, ""), "no cluster DNS configured: the host's resolver");
        var dns = PodSpecs.dns(pod, "169.254.96.16");
        assertEquals(java.util.List.of("169.254.96.16"), dns.servers());
        assertEquals(java.util.List.of("shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp"), dns.searches());
        assertEquals(java.util.List.of("ndots:5"), dns.options());
        var none = PodSpecs.dns(JSON.readTree("{\"spec\":{\"dnsPolicy\":\"None\",\"dnsConfig\":{\"nameservers\":[\"192.0.2.53\"],"
                + "\"options\":[{\"name\":\"ndots\",\"value\":\"2\"},{\"name\":\"edns0\"}]}}}"), "169.254.96.16");
        assertEquals(java.util.List.of("192.0.2.53"), none.servers());
        assertEquals(java.util.List.of("ndots:2", "edns0"), none.options());
        assertNull(PodSpecs.dns(JSON.readTree("{\"spec\":{\"dnsPolicy\":\"Default\"}}"), "169.254.96.16"));
    }
}
