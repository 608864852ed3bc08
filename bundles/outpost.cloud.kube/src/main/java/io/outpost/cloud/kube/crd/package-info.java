/**
 * Helpers the cloud-side bundles share for the Kubernetes API; see {@link
 * io.outpost.cloud.kube.crd.OutpostCrds}.
 */
@Export
@Version("0.1.0")
package io.outpost.cloud.kube.crd;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
