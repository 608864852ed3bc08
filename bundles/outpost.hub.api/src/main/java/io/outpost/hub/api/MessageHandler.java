package io.outpost.hub.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service that receives the messages of one or more route groups from the link.
 *
 * <p>Register it with the service property {@link #GROUP} (a string or an array of strings).
 * On the edge, the edge hub delivers messages that came from the cloud; on the cloud, the cloud
 * hub delivers messages that came from a gateway, with the authenticated node's name in the
 * context. A handler whose bundle stops simply stops receiving; messages for a group with no
 * handler are answered with an {@link Operations#ERROR} response when they are synchronous, and
 * dropped otherwise.
 *
 * <p>Threading: {@link #handle} is called on a link I/O thread, one message at a time per
 * connection and in arrival order. It must not block; hand long work to another thread.
 *
 * @since 1.0
 */
@ConsumerType
public interface MessageHandler {
    /** Service property: the route group(s) this handler takes, see {@link Groups}. */
    String GROUP = "outpost.hub.group";

    /**
     * Optional service property: the resource type(s) this handler takes within its groups
     * (the type segment of the resource path, e.g. {@code nodestatus}). Without it the handler
     * takes every type of its groups. When several handlers match, each one gets the message.
     */
    String RESOURCE_TYPE = "outpost.hub.resourceType";

    /**
     * Optional service property: the message source(s) this handler takes within its groups,
     * e.g. {@code twin} — KubeEdge routes device twin updates to its device controller by their
     * source, since their resource paths ({@code device/<ns>/<name>/twin/...}) carry no type.
     */
    String SOURCE = "outpost.hub.source";

    /**
     * Handles one message.
     *
     * @param context who sent it and how to answer, never null
     * @param message the message, never null; its content is never Java {@code null}
     * @throws Exception any failure; the hub logs it and, for a synchronous message, answers
     *     with an {@link Operations#ERROR} response carrying the exception's message
     */
    void handle(MessageContext context, Message message) throws Exception;
}
