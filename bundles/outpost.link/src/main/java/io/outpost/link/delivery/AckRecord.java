package io.outpost.link.delivery;

/**
 * The durable record of what each node acknowledged (KubeEdge's {@code ObjectSync}). Called by
 * {@link DeliveryQueues} on its own threads for every ACK; implementations coalesce and write
 * asynchronously and must not throw.
 */
public interface AckRecord {
    /** The node has stored {@code ref} at {@code ref.resourceVersion()}. */
    void acknowledged(String node, ObjectRef ref);

    /** The node has deleted {@code ref}: its record goes. */
    void deleted(String node, ObjectRef ref);

    /** No durable record: acknowledged versions live only in memory. */
    AckRecord NONE = new AckRecord() {
        @Override
        public void acknowledged(String node, ObjectRef ref) {
        }

        @Override
        public void deleted(String node, ObjectRef ref) {
        }
    };
}
