/**
 * The container runtime SPI of an Outpost gateway: what the pod manager needs from a runtime to run
 * Kubernetes pods, in the terms of the Kubernetes Container Runtime Interface (CRI v1) but without
 * its wire types.
 *
 * <p>A provider registers one {@link io.outpost.runtime.api.ContainerRuntime} service (the
 * production provider is {@code outpost.runtime.cri}, containerd over CRI gRPC). Consumers never
 * see the provider's protocol: specifications and statuses are the immutable records of this
 * package, failures are {@link io.outpost.runtime.api.ContainerRuntimeException}s with a {@link
 * io.outpost.runtime.api.ContainerRuntimeException.Category} that tells what to do next.
 *
 * <h2>Conventions of every type in this package</h2>
 * <ul>
 *   <li><b>Nullness</b>: nothing is {@code null} unless its documentation says "or {@code null}".
 *       Collections are never {@code null}: absent means empty. Records copy collections given to
 *       them (so later changes of the caller's collection are not seen) and reject {@code null}
 *       elements.</li>
 *   <li><b>Units</b>: times are {@link java.time.Instant}s (CRI's nanoseconds since the epoch),
 *       durations are {@link java.time.Duration}s, memory is in bytes, CPU as in the Linux CFS:
 *       shares (relative weight, 2..262144), quota and period in microseconds.</li>
 *   <li><b>Threading</b>: providers are thread-safe; every method blocks the calling thread until
 *       the runtime answered or the call's timeout passed, so call them from worker threads, never
 *       from an I/O event loop.</li>
 * </ul>
 *
 * @since 0.1.0
 */
@Export
@Version("0.2.0")
package io.outpost.runtime.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
