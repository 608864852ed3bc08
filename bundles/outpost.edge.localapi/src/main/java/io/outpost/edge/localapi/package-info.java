/**
 * The gateway's local list/watch API (KubeEdge's MetaServer): protocol code without OSGi
 * imports; {@code osgi.LocalApiComponent} wires it to the meta store and the pod manager.
 */
package io.outpost.edge.localapi;
