package io.outpost.examples.otahello;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Says which version of it runs: the OTA e2e test and docs/ota.md watch for this line in the log. */
@Component(immediate = true, service = Greeter.class)
public class Greeter {
    private static final Logger LOG = LoggerFactory.getLogger(Greeter.class);
    private String version;

    @Activate
    void activate(BundleContext bc) {
        version = bc.getBundle().getVersion().toString();
        LOG.info("ota-hello {} started", version);
    }

    @Deactivate
    void deactivate() {
        LOG.info("ota-hello {} stopped", version);
    }

    /** @return the running version */
    public String version() {
        return version;
    }
}
