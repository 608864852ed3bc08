/**
 * The gateway's meta store: what the cloud sent (pods, config maps, secrets, devices, models)
 * and what the edge keeps (twins), stored durably so the gateway keeps working — and restarts
 * what it runs — while the cloud is unreachable.
 */
@Export
@Version("0.1.0")
package io.outpost.meta.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
