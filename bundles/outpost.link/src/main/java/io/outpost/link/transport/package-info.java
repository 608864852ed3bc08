/**
 * Transports of the link on Netty: the hub's WebSocket over mutual TLS (server and client) and
 * the small HTTPS server of the certificate bootstrap. The caller owns the event loop group, so
 * one process runs every connection on one set of I/O threads.
 */
@Export
@Version("0.2.0")
package io.outpost.link.transport;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
