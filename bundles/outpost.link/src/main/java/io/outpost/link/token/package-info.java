/**
 * Join tokens in KubeEdge's format {@code <caHash>.<jwt>}: the hash pins the cloud's CA for
 * the joining gateway, the JWT (HS256) proves to the cloud that the holder may join.
 */
@Export
@Version("0.1.0")
package io.outpost.link.token;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
