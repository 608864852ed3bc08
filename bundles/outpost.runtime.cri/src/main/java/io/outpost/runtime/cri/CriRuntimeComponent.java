package io.outpost.runtime.cri;

import io.outpost.runtime.api.ContainerRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers a {@link CriRuntime} as the gateway's {@link ContainerRuntime} service. The runtime
 * object is registered itself (rather than this component delegating to it) so that this class
 * stays configuration and lifecycle only. A changed configuration re-creates it.
 */
@Component(configurationPid = CriRuntimeComponent.PID, service = {}, immediate = true)
@Designate(ocd = CriRuntimeComponent.Config.class)
public class CriRuntimeComponent {
    static final String PID = "io.outpost.runtime.cri";
    private static final Logger LOG = LoggerFactory.getLogger(CriRuntimeComponent.class);

    @ObjectClassDefinition(name = "Outpost container runtime: CRI (containerd)",
            description = "How the gateway reaches its container runtime over CRI v1 gRPC.")
    public @interface Config {
        @AttributeDefinition(description = "The runtime's CRI unix socket (containerd's default; the development "
                + "containerd of .ci/containerd listens on /run/outpost-containerd/containerd.sock).")
        String socketPath() default "/run/containerd/containerd.sock";

        @AttributeDefinition(description = "Milliseconds connecting to the socket may take.", min = "1")
        int connectTimeoutMillis() default 3000;

        @AttributeDefinition(description = "Seconds a runtime call may take (pulls, stops and execs have their own "
                + "timeouts on top). The kubelet's default is 120.", min = "1")
        int requestTimeoutSeconds() default 120;

        @AttributeDefinition(description = "Largest answer accepted from the runtime, in bytes (containerd caps "
                + "exec output at 16 MiB per stream).", min = "1024")
        int maxMessageBytes() default 16 * 1024 * 1024;
    }

    private CriRuntime runtime;
    private ServiceRegistration<ContainerRuntime> registration;

    @Activate
    void activate(BundleContext bc, Config config) {
        CriRuntime.Settings settings = new CriRuntime.Settings(Path.of(config.socketPath()),
                Duration.ofMillis(config.connectTimeoutMillis()), Duration.ofSeconds(config.requestTimeoutSeconds()),
                config.maxMessageBytes());
        runtime = new CriRuntime(settings);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("outpost.runtime", "cri");
        props.put("outpost.runtime.socket", config.socketPath());
        registration = bc.registerService(ContainerRuntime.class, runtime, props);
        // Says at once (without holding up activation) whether the socket answers and who answers.
        runtime.versionAsync().whenComplete((v, e) -> {
            if (e == null) {
                LOG.info("container runtime: {} {} (CRI {}) on {}", v.runtimeName(), v.runtimeVersion(),
                        v.runtimeApiVersion(), config.socketPath());
            } else {
                LOG.warn("container runtime: no answer yet on {}: {}", config.socketPath(), e.getMessage());
            }
        });
    }

    @Deactivate
    void deactivate() {
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // The framework unregisters a stopping bundle's services itself.
        }
        runtime.close();
    }
}
