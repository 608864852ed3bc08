/**
 * Reliable cloud-to-edge delivery without OSGi: per-node queues that merge by object, resend
 * until the gateway's ACK, de-duplicate by resourceVersion and report acknowledged objects to a
 * durable record. The cloud hub component wires it to the link and to {@code ObjectSync}s.
 */
@Export
@Version("0.1.0")
package io.outpost.link.delivery;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
