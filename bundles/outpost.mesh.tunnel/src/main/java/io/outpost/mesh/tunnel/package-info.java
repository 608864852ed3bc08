/**
 * The mesh's tunnel protocol: frames, the open request, mutual TLS with node certificates, the
 * gateway's tunnel and the relay. No OSGi; exported so the cloud's relay uses the same code.
 */
@Export
@Version("0.1.0")
package io.outpost.mesh.tunnel;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
