package io.outpost.mapper.virtual;

import io.outpost.mapper.api.DeviceListener;
import io.outpost.mapper.api.DeviceSession;
import io.outpost.mapper.api.Mapper;
import io.outpost.mapper.api.MapperException;
import io.outpost.mapper.api.Reading;
import io.outpost.twin.api.DeviceSpec;
import io.outpost.twin.api.PropertySpec;
import io.outpost.twin.api.PropertyType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.osgi.service.component.annotations.Component;

/**
 * A simulated device mapper for demos and tests: devices whose protocol is {@code virtual} get
 * values without hardware. A property's visitor {@code configData.generator} says how:
 * {@code sine} (between {@code min} and {@code max}, one period per {@code periodSeconds},
 * default 60), {@code register} (holds what was written, starting at {@code initial}, as a
 * writable register does) or {@code counter} (seconds since the epoch, modulo 100000).
 * A device whose {@code spec.protocol.configData.offline} is true behaves as a device that does
 * not answer.
 */
@Component(property = Mapper.PROTOCOL + "=" + VirtualMapper.PROTOCOL)
public class VirtualMapper implements Mapper {
    static final String PROTOCOL = "virtual";
    static final Set<String> GENERATORS = Set.of("sine", "register", "counter");

    private final LongSupplier clock;

    public VirtualMapper() {
        this(System::currentTimeMillis);
    }

    VirtualMapper(LongSupplier clock) {
        this.clock = clock;
    }

    @Override
    public List<String> validate(DeviceSpec device) {
        List<String> problems = new ArrayList<>();
        for (PropertySpec p : device.properties()) {
            String g = p.visitor().path("generator").asText("counter");
            if (!GENERATORS.contains(g)) {
                problems.add("property " + p.name() + ": visitors.configData.generator '" + g + "' is none of " + GENERATORS);
            }
            for (String f : List.of("min", "max", "periodSeconds")) {
                if (p.visitor().has(f) && !p.visitor().get(f).isNumber()) {
                    problems.add("property " + p.name() + ": visitors.configData." + f + " must be a number, not " + p.visitor().get(f));
                }
            }
            if (g.equals("sine") && p.visitor().path("min").asDouble(0) >= p.visitor().path("max").asDouble(100)) {
                problems.add("property " + p.name() + ": visitors.configData.min must be less than max");
            }
            if (g.equals("sine") && p.type() != PropertyType.FLOAT && p.type() != PropertyType.DOUBLE && p.type() != PropertyType.STRING) {
                problems.add("property " + p.name() + ": a sine generator gives decimals; the model's type is " + p.type().wireName());
            }
        }
        return problems;
    }

    @Override
    public DeviceSession open(DeviceSpec device, DeviceListener listener) {
        return new Session(device);
    }

    private final class Session implements DeviceSession {
        private final boolean offline;
        private final Map<String, String> registers = new ConcurrentHashMap<>();

        Session(DeviceSpec device) {
            offline = device.protocolConfig().path("offline").asBoolean(false);
            for (PropertySpec p : device.properties()) {
                registers.put(p.name(), p.visitor().path("initial").asText("0"));
            }
        }

        @Override
        public Map<String, Reading> read(List<PropertySpec> properties) throws MapperException {
            if (offline) {
                throw new MapperException(MapperException.Kind.TIMEOUT, "the simulated device does not answer (configData.offline is true)");
            }
            long now = clock.getAsLong();
            Map<String, Reading> out = new LinkedHashMap<>();
            for (PropertySpec p : properties) {
                out.put(p.name(), new Reading(generate(p, now, registers.getOrDefault(p.name(), "0")), now));
            }
            return out;
        }

        @Override
        public void write(PropertySpec property, String value) throws MapperException {
            if (offline) {
                throw new MapperException(MapperException.Kind.TIMEOUT, "the simulated device does not answer (configData.offline is true)");
            }
            if (!"register".equals(property.visitor().path("generator").asText("counter"))) {
                throw new MapperException(MapperException.Kind.UNSUPPORTED, "property " + property.name()
                        + " is generated; only generator 'register' can be written");
            }
            registers.put(property.name(), value);
        }

        @Override
        public void close() {
        }
    }

    static String generate(PropertySpec p, long now, String register) {
        switch (p.visitor().path("generator").asText("counter")) {
            case "sine": {
                double min = p.visitor().path("min").asDouble(0);
                double max = p.visitor().path("max").asDouble(100);
                long period = Math.max(1, p.visitor().path("periodSeconds").asLong(60)) * 1000;
                double v = min + (max - min) * (0.5 + 0.5 * Math.sin(2 * Math.PI * (now % period) / (double) period));
                return String.format(Locale.ROOT, "%.2f", v);
            }
            case "register":
                return register;
            default:
                return Long.toString(now / 1000 % 100_000);
        }
    }
}
