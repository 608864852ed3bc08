package io.outpost.edge.bus.paho;

import io.outpost.edge.bus.kubeedge.PushTarget;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the values of properties with an MQTT {@code pushMethod} to the brokers they name: one
 * Paho client per address, connected on first use and kept until {@link #close}. The number of
 * addresses is capped, so Devices cannot make the gateway open connections without end.
 */
public final class PahoPush implements PushTarget, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PahoPush.class);
    static final int MAX_BROKERS = 16;

    private final String clientId;
    private final Map<String, PahoBus> clients = new ConcurrentHashMap<>();

    /** @param clientId the client id prefix used on the target brokers */
    public PahoPush(String clientId) {
        this.clientId = clientId;
    }

    @Override
    public void push(String address, String topic, byte[] payload, int qos, boolean retained) {
        PahoBus b = clients.get(address);
        if (b == null) {
            if (clients.size() >= MAX_BROKERS) {
                LOG.warn("not pushing to {}: {} push brokers is the limit", address, MAX_BROKERS);
                return;
            }
            try {
                b = clients.computeIfAbsent(address, a -> new PahoBus(a, clientId + "-push-" + clients.size(), "", ""));
            } catch (IllegalArgumentException e) {
                LOG.warn("pushMethod.mqtt address {}: {}", address, e.getMessage());
                return;
            }
        }
        b.publish(topic, payload, qos, retained);
    }

    @Override
    public void close() {
        clients.values().forEach(PahoBus::close);
        clients.clear();
    }
}
