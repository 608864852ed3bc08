package io.outpost.ota.api;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The gateway's OTA agent, for the shell and the console. Thread-safe.
 *
 * @since 0.1
 */
@ProviderType
public interface OtaAgent {
    /** @return the updates this gateway ran, newest first; never null */
    List<OtaRecord> history();
}
