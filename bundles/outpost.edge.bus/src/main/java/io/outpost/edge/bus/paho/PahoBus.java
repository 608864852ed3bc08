package io.outpost.edge.bus.paho;

import io.outpost.edge.bus.broker.Bus;
import io.outpost.edge.bus.broker.Topics;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's {@link Bus} on an external broker (Mosquitto, …), through Eclipse Paho's MQTT
 * 3.1.1 client (Paho's MQTT 5 bundle 1.2.5 does not export the packages its API uses, so it
 * cannot resolve in OSGi; see docs/adr/0008-event-bus-broker.md).
 * Reconnects by itself and subscribes again after each reconnect. While disconnected,
 * {@link #publish} drops messages (logged): results and documents are answers to requests that
 * a disconnected mapper could not have sent. The external broker enforces its own ACL.
 */
public final class PahoBus implements Bus {
    private static final Logger LOG = LoggerFactory.getLogger(PahoBus.class);

    static final int MAX_PENDING = 100;

    private record Sub(String filter, Listener listener) {
    }

    private record Pending(String topic, byte[] payload, int qos, boolean retained) {
    }

    private final MqttAsyncClient client;
    private final List<Sub> subs = new CopyOnWriteArrayList<>();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();

    /**
     * Starts connecting; returns at once.
     *
     * @param uri e.g. {@code tcp://127.0.0.1:1883} or {@code ssl://broker:8883}
     * @param clientId the gateway's client id on that broker
     * @param user user name, or empty for none
     * @param password password, or empty
     */
    public PahoBus(String uri, String clientId, String user, String password) {
        try {
            client = new MqttAsyncClient(uri, clientId, new MemoryPersistence());
        } catch (MqttException | IllegalArgumentException e) {
            throw new IllegalArgumentException("external broker '" + uri + "': " + e.getMessage() + " (use tcp://host:port or ssl://host:port)", e);
        }
        client.setCallback(new MqttCallbackExtended() {
            @Override
            public void connectionLost(Throwable cause) {
                LOG.warn("lost the external MQTT broker {}: {}", uri, cause.getMessage());
            }

            @Override
            public void messageArrived(String topic, MqttMessage m) {
                for (Sub s : subs) {
                    if (Topics.matches(s.filter(), topic)) {
                        try {
                            s.listener().message(topic, m.getPayload());
                        } catch (RuntimeException e) {
                            LOG.warn("a listener on {} failed on {}", s.filter(), topic, e);
                        }
                    }
                }
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }

            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
                LOG.info("connected to the external MQTT broker {}", serverURI);
                for (Sub s : subs) {
                    subscribeRemote(s.filter());
                }
                flush();
            }
        });
        MqttConnectOptions o = new MqttConnectOptions();
        o.setAutomaticReconnect(true);
        o.setCleanSession(true);
        o.setKeepAliveInterval(30);
        o.setMaxInflight(1000);
        if (!user.isEmpty()) {
            o.setUserName(user);
            o.setPassword(password.toCharArray());
        }
        try {
            client.connect(o);
        } catch (MqttException e) {
            throw new IllegalArgumentException("cannot connect to the external broker " + uri + ": " + e.getMessage(), e);
        }
    }

    /** @return whether the client is connected now */
    public boolean isConnected() {
        return client.isConnected();
    }

    @Override
    public void publish(String topic, byte[] payload, int qos, boolean retained) {
        synchronized (pending) {
            if (!client.isConnected() || !pending.isEmpty()) {
                if (pending.size() >= MAX_PENDING) {
                    LOG.debug("not connected to the external broker: dropping a message to {}", pending.pollFirst().topic());
                }
                pending.addLast(new Pending(topic, payload, qos, retained));
                if (!client.isConnected()) {
                    return;
                }
            }
        }
        if (!flush()) {
            send(new Pending(topic, payload, qos, retained));
        }
    }

    /** @return whether anything was pending (and is now sent, in order) */
    private boolean flush() {
        synchronized (pending) {
            if (pending.isEmpty()) {
                return false;
            }
            Pending p;
            while (client.isConnected() && (p = pending.pollFirst()) != null) {
                send(p);
            }
            return true;
        }
    }

    private void send(Pending p) {
        try {
            client.publish(p.topic(), p.payload(), p.qos(), p.retained());
        } catch (MqttException e) {
            LOG.warn("publishing to {} on the external broker failed: {}", p.topic(), e.getMessage());
        }
    }

    @Override
    public AutoCloseable subscribe(String filter, Listener listener) {
        Sub s = new Sub(filter, listener);
        subs.add(s);
        if (client.isConnected()) {
            subscribeRemote(filter);
        }
        return () -> subs.remove(s);
    }

    private void subscribeRemote(String filter) {
        try {
            client.subscribe(filter, 1);
        } catch (MqttException e) {
            LOG.warn("subscribing to {} on the external broker failed: {}", filter, e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect(2000).waitForCompletion(3000);
            }
        } catch (MqttException e) {
            LOG.debug("disconnecting from the external broker", e);
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            LOG.debug("closing the Paho client", e);
        }
    }
}
