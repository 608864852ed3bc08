/**
 * Reliable delivery of object messages from the cloud to gateways (KubeEdge's "reliable message
 * delivery"): controllers enqueue, the cloud hub merges, sends, resends until the gateway's ACK
 * and records what each gateway acknowledged in {@code ObjectSync} custom resources
 * ({@code objectsyncs.reliablesyncs.kubeedge.io}).
 */
@Export
@Version("1.0.0")
package io.outpost.hub.api.delivery;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
