/**
 * Devices on the gateway: what the cloud assigned to this node (KubeEdge's
 * {@code devices.kubeedge.io/v1beta1} Devices with their DeviceModels). Twins, mappers and the
 * event bus build on these contracts.
 */
@Export
@Version("0.2.0")
package io.outpost.twin.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
