package io.outpost.examples.ble;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A BLE sensor tag without a radio: a private D-Bus daemon and a fake BlueZ on it with the device of
 * examples/devices/ble-thermometer.yaml (BC:6A:29:AE:CC:96). Point the BLE mapper at the printed
 * address ({@code busAddress} in etc/io.outpost.mapper.ble.cfg). The temperature characteristic
 * notifies every second; the red LED records what is written.
 *
 * <pre>java -jar outpost-example-ble-simulator.jar [socket-directory]</pre>
 */
public final class BleSimulator {
    public static final String MAC = "BC:6A:29:AE:CC:96";
    static final String IR = "f000aa01-0451-4000-b000-000000000000";
    static final String TEMP = "00002a6e-0000-1000-8000-00805f9b34fb";
    static final String BATTERY = "00002a19-0000-1000-8000-00805f9b34fb";
    static final String LED = "f000aa65-0451-4000-b000-000000000000";
    static final String NAME = "00002a00-0000-1000-8000-00805f9b34fb";

    private BleSimulator() {
    }

    public static void main(String[] args) throws Exception {
        PrivateBus bus = args.length > 0 ? new PrivateBus(Path.of(args[0])) : new PrivateBus();
        FakeBluez bluez = new FakeBluez(bus.address);
        Map<String, byte[]> chars = new LinkedHashMap<>();
        chars.put(IR, HexFormat.of().parseHex("0000600d")); // object temperature 26.75 °C through KubeEdge's converter
        chars.put(TEMP, le16(2150));
        chars.put(BATTERY, new byte[] {98});
        chars.put(LED, new byte[] {0});
        chars.put(NAME, "SensorTag".getBytes(StandardCharsets.UTF_8));
        FakeBluez.Dev dev = bluez.peripheral(MAC, chars);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            bluez.close();
            try {
                bus.close();
            } catch (Exception e) {
                // exiting anyway
            }
        }));
        System.out.println("address: " + bus.address);
        System.out.println("device: " + MAC + " (" + dev.path + ")");
        System.out.flush();
        int centi = 2150;
        while (!stop.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
            centi = centi >= 2250 ? 2150 : centi + 1;
            bluez.notifyValue(MAC, TEMP, le16(centi));
            if (!dev.writes.isEmpty()) {
                System.out.println("led: " + HexFormat.of().formatHex(dev.writes.remove(0)));
                System.out.flush();
            }
        }
    }

    private static byte[] le16(int v) {
        return ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v).array();
    }
}
