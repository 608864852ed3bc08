/**
 * Certificates for the link: the cloud's CA, node certificate requests and their signing,
 * PEM files and the CA hash carried in join tokens. Uses the JDK's providers for keys and
 * signatures and BouncyCastle only to build certificates and requests.
 */
@Export
@Version("0.1.0")
package io.outpost.link.pki;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
