package io.outpost.edge.device;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.twin.api.DeviceSpec;
import io.outpost.twin.api.PropertySpec;
import org.junit.jupiter.api.Test;

class DeviceWorkerTest {
    static PropertySpec prop(String type) throws Exception {
        ObjectMapper json = new ObjectMapper();
        return DeviceSpec.of(json.readTree("{\"metadata\":{\"name\":\"d\",\"namespace\":\"default\"},\"spec\":{\"deviceModelRef\":{\"name\":\"m\"},"
                + "\"properties\":[{\"name\":\"p\"}]}}"),
                json.readTree("{\"spec\":{\"properties\":[{\"name\":\"p\",\"type\":\"" + type + "\",\"accessMode\":\"ReadWrite\"}]}}"))
                .property("p").orElseThrow();
    }

    @Test
    void desiredAndDeviceValuesCompareAsTheirTypeReadsThem() throws Exception {
        // What decides whether a device that came back is written again (ADR 0023).
        assertTrue(DeviceWorker.sameValue(prop("FLOAT"), "20", "20.0"));
        assertTrue(DeviceWorker.sameValue(prop("FLOAT"), "20.100000381469727", "20.1"), "a float register holds 20.1 at float precision");
        assertFalse(DeviceWorker.sameValue(prop("FLOAT"), "20", "20.5"));
        assertTrue(DeviceWorker.sameValue(prop("DOUBLE"), "42.5", "42.50"));
        assertFalse(DeviceWorker.sameValue(prop("DOUBLE"), "20.100000381469727", "20.1"));
        assertTrue(DeviceWorker.sameValue(prop("INT"), "7", " 7"));
        assertTrue(DeviceWorker.sameValue(prop("BOOLEAN"), "TRUE", "true"));
        assertFalse(DeviceWorker.sameValue(prop("BOOLEAN"), "false", "true"));
        assertTrue(DeviceWorker.sameValue(prop("STRING"), "eco", "eco"));
        assertFalse(DeviceWorker.sameValue(prop("STRING"), "eco ", "eco"));
        assertFalse(DeviceWorker.sameValue(prop("INT"), "n/a", "7"), "a value the type cannot read differs");
        assertFalse(DeviceWorker.sameValue(prop("INT"), null, "7"));
    }
}
