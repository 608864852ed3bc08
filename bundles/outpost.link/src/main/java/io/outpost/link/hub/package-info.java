/**
 * The hubs' protocol logic without OSGi: the cloud hub's sessions and routing, the edge hub's
 * join, connection, keepalive and reconnect, and the cloud's certificate bootstrap. The OSGi
 * components of the hub bundles only configure these and connect them to services.
 */
@Export
@Version("0.1.0")
package io.outpost.link.hub;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
