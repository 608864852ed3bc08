package io.outpost.hub.api.delivery;

import io.outpost.hub.api.Message;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Per-node queues of cloud-to-edge messages about Kubernetes objects, delivered at least once.
 * Registered by the cloud hub together with {@link io.outpost.hub.api.CloudHub}. Thread-safe;
 * {@link #enqueue} never blocks on the network or the Kubernetes API.
 *
 * <p>What a message is about is read from the message itself: the object is the content's
 * {@code metadata.uid} (with {@code apiVersion}, {@code kind}, {@code metadata.namespace},
 * {@code metadata.name}), its version the header's {@code resourceversion}. A message without a
 * uid (e.g. a list such as {@code _/podlist}) is keyed by its group and resource path and is
 * delivered the same way, without a durable record.
 *
 * <p>Guarantees, per node:
 * <ul>
 *   <li><b>Merge</b>: messages about the same object that have not been sent yet collapse into
 *       the latest; a delete supersedes every update before it. Position in the queue is that
 *       of the first message, so unrelated messages keep their order.</li>
 *   <li><b>ACK</b>: a message counts as delivered when the gateway answers with a message whose
 *       {@code parent_msg_id} is its id ({@code response}, as KubeEdge's edgecore does after
 *       storing it). Until then it is resent with exponential back-off while the node is
 *       connected; an {@code error} answer is retried the same way. While the node is away its
 *       messages wait and are sent when it connects.</li>
 *   <li><b>resourceVersion de-duplication</b>: a message whose resourceVersion is not newer than
 *       what the node has acknowledged, or than what is already queued for the object, is
 *       dropped (deletes are always delivered).</li>
 *   <li><b>Durable record</b>: each acknowledged object is recorded as an {@code ObjectSync}
 *       named {@code <node>.<uid>} in the object's namespace with
 *       {@code status.objectResourceVersion}; an acknowledged delete removes it. After a cloud
 *       restart acknowledged versions are not resent, and an object that has an
 *       {@code ObjectSync} but no longer exists gets a delete sent to the node.</li>
 * </ul>
 *
 * @since 1.0
 */
@ProviderType
public interface ReliableDelivery {
    /**
     * Queues a message for a node, whether or not the node is connected to this replica.
     *
     * @param nodeName the gateway, never null
     * @param message the message; its id is replaced by the queue's own, its resource is the
     *     edge path ({@code <ns>/<type>/<name>}) or the link path ({@code node/<node>/...})
     * @return false when the message was dropped as stale (not newer than what the node
     *     acknowledged or what is queued), true when it is queued or merged
     */
    boolean enqueue(String nodeName, Message message);

    /**
     * @param nodeName the gateway
     * @return messages queued or awaiting an ACK for the node; 0 when it has none
     */
    int pending(String nodeName);

    /**
     * Forgets a node: its queue and its {@code ObjectSync} records (the node was deleted).
     *
     * @param nodeName the gateway
     */
    void forget(String nodeName);
}
