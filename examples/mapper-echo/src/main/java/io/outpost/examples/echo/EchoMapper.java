package io.outpost.examples.echo;

import io.outpost.mapper.api.DeviceListener;
import io.outpost.mapper.api.DeviceSession;
import io.outpost.mapper.api.Mapper;
import io.outpost.mapper.api.Reading;
import io.outpost.twin.api.DeviceSpec;
import io.outpost.twin.api.PropertySpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Component;

/**
 * A mapper for protocol {@code echo}: each property reads back the last value written to it,
 * starting from its visitor's {@code configData.initial}. No hardware; the point is the shape.
 */
@Component(property = Mapper.PROTOCOL + "=echo")
public class EchoMapper implements Mapper {

    @Override
    public List<String> validate(DeviceSpec device) {
        List<String> problems = new ArrayList<>();
        for (PropertySpec p : device.properties()) {
            if (!p.visitor().path("initial").isValueNode()) {
                problems.add("property " + p.name() + ": set visitors.configData.initial, the value it reads before any write");
            }
        }
        return problems;
    }

    @Override
    public DeviceSession open(DeviceSpec device, DeviceListener listener) {
        Map<String, String> values = new ConcurrentHashMap<>();
        device.properties().forEach(p -> values.put(p.name(), p.visitor().path("initial").asText()));
        listener.health(true, "");
        return new DeviceSession() {
            private boolean closed;

            @Override
            public Map<String, Reading> read(List<PropertySpec> properties) {
                Map<String, Reading> out = new HashMap<>();
                properties.forEach(p -> out.put(p.name(), new Reading(values.get(p.name()), System.currentTimeMillis())));
                return out;
            }

            @Override
            public void write(PropertySpec property, String value) {
                values.put(property.name(), value);
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    listener.health(false, "mapper stopped");
                }
            }
        };
    }
}
