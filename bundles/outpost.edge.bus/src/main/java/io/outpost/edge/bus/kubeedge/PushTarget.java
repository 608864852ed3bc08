package io.outpost.edge.bus.kubeedge;

/** Where a property's {@code pushMethod.mqtt} sends values: a broker at an address. Never blocks. */
@FunctionalInterface
public interface PushTarget {
    /**
     * @param address the broker, e.g. {@code tcp://10.0.0.5:1883}
     * @param topic the topic
     * @param payload the message
     * @param qos 0 or 1
     * @param retained whether the broker keeps it
     */
    void push(String address, String topic, byte[] payload, int qos, boolean retained);
}
