package io.outpost.edge.bus.broker;

/** Decides whether a client may publish to a topic (the broker's ACL). Called on I/O threads: fast, no blocking. */
@FunctionalInterface
public interface PublishPolicy {
    /** Lets every authenticated client publish anywhere. */
    PublishPolicy ALLOW_ALL = (who, topic) -> null;

    /**
     * @param who the publishing client
     * @param topic a valid topic name
     * @return null when allowed, else why not (logged, and sent as the MQTT 5 reason string)
     */
    String refusal(ClientIdentity who, String topic);

    /**
     * @param who the subscribing client
     * @param filter a valid filter
     * @return null when the client may subscribe, else why not
     */
    default String subscribeRefusal(ClientIdentity who, String filter) {
        return null;
    }
}
