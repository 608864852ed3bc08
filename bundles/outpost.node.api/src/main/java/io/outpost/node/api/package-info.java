/**
 * The gateway as a Kubernetes Node, for the bundles that need to know what the node is: the
 * resources it offers pods (its allocatable, after what is reserved for the system) and its
 * InternalIP — computed once, by the node status reporter ({@code outpost.edge.node}), which also
 * reports them on the Node object, so admission and {@code status.hostIP} never disagree with
 * {@code kubectl describe node}.
 */
@Export
@Version("1.0.0")
package io.outpost.node.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
