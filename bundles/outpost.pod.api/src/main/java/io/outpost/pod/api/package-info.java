/**
 * Pods on the gateway, as the gateway itself sees them: the pods the cloud bound to this node,
 * with the status the pod manager last computed (also while the cloud is away), and the logs of
 * their containers. For local tools — the Karaf shell, the web console — that cannot ask the
 * Kubernetes API. The provider is the pod manager ({@code outpost.edge.pod}, feature
 * {@code outpost-pods}).
 */
@Export
@Version("0.1.0")
package io.outpost.pod.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
