/** JSON encoding of link messages, compatible with KubeEdge's beehive messages. */
@Export
@Version("0.1.0")
package io.outpost.link.codec;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
