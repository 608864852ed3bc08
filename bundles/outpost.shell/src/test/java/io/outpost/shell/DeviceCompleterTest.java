package io.outpost.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.outpost.twin.api.DeviceInventory;
import io.outpost.twin.api.EdgeDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.karaf.shell.api.console.CommandLine;
import org.junit.jupiter.api.Test;

class DeviceCompleterTest {
    private static EdgeDevice edgeDevice(String ns, String name) {
        return new EdgeDevice(ns, name, "model", "virtual", List.of("temperature"), null, null);
    }

    private static CommandLine typed(String word) {
        return TypedLine.of("outpost:twin", word);
    }

    @Test
    void offersTheDevicesOfThisGatewayAsNamespaceSlashName() {
        DeviceCompleter c = new DeviceCompleter();
        c.inventory = new DeviceInventory() {
            @Override
            public List<EdgeDevice> devices() {
                return List.of(edgeDevice("default", "thermometer-1"), edgeDevice("default", "thermostat"), edgeDevice("plant", "boiler"));
            }

            @Override
            public Optional<EdgeDevice> device(String namespace, String name) {
                return Optional.empty();
            }
        };
        List<String> candidates = new ArrayList<>();
        c.complete(null, typed("default/thermom"), candidates);
        assertEquals(List.of("default/thermometer-1"), candidates.stream().map(String::trim).toList());
    }

    @Test
    void offersNothingWithoutTheTwin() {
        List<String> candidates = new ArrayList<>();
        new DeviceCompleter().complete(null, typed(""), candidates);
        assertEquals(List.of(), candidates);
    }
}
