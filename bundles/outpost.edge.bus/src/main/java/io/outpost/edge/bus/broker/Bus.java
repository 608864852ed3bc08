package io.outpost.edge.bus.broker;

/**
 * What the gateway's own code needs from an MQTT broker: publish, and hear messages on filters.
 * The embedded broker serves it in-process (no socket); an external broker is reached through
 * Paho. Thread-safe.
 */
public interface Bus extends AutoCloseable {
    /** A message heard on a subscription. Called on an I/O thread: hand work off, never block. */
    @FunctionalInterface
    interface Listener {
        void message(String topic, byte[] payload);
    }

    /**
     * Publishes a message; never blocks. Messages the gateway publishes are not subject to the
     * ACL.
     *
     * @param qos 0 or 1
     */
    void publish(String topic, byte[] payload, int qos, boolean retained);

    /**
     * @param filter an MQTT filter (+ and # allowed)
     * @return closes the subscription
     */
    AutoCloseable subscribe(String filter, Listener listener);

    @Override
    void close();
}
