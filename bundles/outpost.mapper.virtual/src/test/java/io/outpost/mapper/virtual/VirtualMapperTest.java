package io.outpost.mapper.virtual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.mapper.api.DeviceListener;
import io.outpost.mapper.api.DeviceSession;
import io.outpost.mapper.api.MapperException;
import io.outpost.twin.api.DeviceSpec;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class VirtualMapperTest {
    static final DeviceListener NONE = new DeviceListener() {
        @Override
        public void value(String property, String value, long timestamp) {
        }

        @Override
        public void health(boolean online, String reason) {
        }
    };
    final AtomicLong now = new AtomicLong();
    final VirtualMapper mapper = new VirtualMapper(now::get);

    static DeviceSpec device(String protocolConfig, String visitorOfT) throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode model = json.readTree("{\"spec\":{\"properties\":[{\"name\":\"t\",\"type\":\"FLOAT\"},{\"name\":\"s\",\"type\":\"FLOAT\"}]}}");
        JsonNode device = json.readTree(("{'metadata':{'name':'d','namespace':'default'},'spec':{'deviceModelRef':{'name':'m'},"
                + "'protocol':{'protocolName':'virtual','configData':" + protocolConfig + "},"
                + "'properties':[{'name':'t','visitors':{'configData':" + visitorOfT + "}},"
                + "{'name':'s','visitors':{'configData':{'generator':'register','initial':'20'}}}]}}").replace('\'', '"'));
        return DeviceSpec.of(device, model);
    }

    @Test
    void sineStaysBetweenMinAndMax() throws Exception {
        DeviceSpec d = device("{}", "{'generator':'sine','min':18,'max':24}");
        assertEquals(java.util.List.of(), mapper.validate(d));
        DeviceSession s = mapper.open(d, NONE);
        for (long t = 0; t < 60_000; t += 1_000) {
            now.set(t);
            double v = Double.parseDouble(s.read(d.properties()).get("t").value());
            assertTrue(v >= 18 && v <= 24, "value " + v + " at " + t);
        }
    }

    @Test
    void registersHoldWhatWasWritten() throws Exception {
        DeviceSpec d = device("{}", "{'generator':'counter'}");
        DeviceSession s = mapper.open(d, NONE);
        assertEquals("20", s.read(d.properties()).get("s").value());
        s.write(d.property("s").orElseThrow(), "22.5");
        assertEquals("22.5", s.read(d.properties()).get("s").value());
        MapperException e = assertThrows(MapperException.class, () -> s.write(d.property("t").orElseThrow(), "1"));
        assertEquals(MapperException.Kind.UNSUPPORTED, e.kind());
    }

    @Test
    void badVisitorsAreExplained() throws Exception {
        assertTrue(mapper.validate(device("{}", "{'generator':'noise'}")).get(0).contains("generator 'noise' is none of"));
        assertTrue(mapper.validate(device("{}", "{'generator':'sine','min':'low'}")).get(0).contains("must be a number"));
        assertTrue(mapper.validate(device("{}", "{'generator':'sine','min':5,'max':1}")).get(0).contains("less than max"));
    }

    @Test
    void anOfflineDeviceTimesOut() throws Exception {
        DeviceSpec d = device("{'offline':true}", "{}");
        DeviceSession s = mapper.open(d, NONE);
        assertEquals(MapperException.Kind.TIMEOUT, assertThrows(MapperException.class, () -> s.read(d.properties())).kind());
    }
}
