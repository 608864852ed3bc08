package io.outpost.twin.api;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The devices the cloud assigned to this gateway. Kept current from the link; thread-safe.
 *
 * @since 0.1
 */
@ProviderType
public interface DeviceInventory {
    /** @return every device assigned to this gateway, sorted by id; never null */
    List<EdgeDevice> devices();

    /** @return the device with this namespace and name, if assigned to this gateway */
    Optional<EdgeDevice> device(String namespace, String name);
}
