/**
 * Contracts of the cloud-edge link.
 *
 * <p>The message model is KubeEdge's beehive {@code model.Message}, so that KubeEdge's
 * {@code edgecore} and {@code cloudcore} can talk to Outpost's hubs. The hubs are the only
 * components that touch the network; every other bundle registers a {@link
 * io.outpost.hub.api.MessageHandler} whiteboard service for the route groups it owns, and sends
 * through the {@link io.outpost.hub.api.EdgeHub} or {@link io.outpost.hub.api.CloudHub} service.
 */
@Export
@Version("1.2.0")
package io.outpost.hub.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
