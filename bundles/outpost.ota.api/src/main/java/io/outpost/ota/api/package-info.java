/**
 * Over-the-air updates: the contracts between the cloud's artifact repository and rollout
 * controller, the gateway's OTA agent and the shell. Also the two things both sides must agree
 * on byte for byte: which names and versions are valid ({@link ArtifactNames}) and what a
 * publisher signs ({@link ArtifactSignature}).
 */
@Export
@Version("0.1.0")
package io.outpost.ota.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
