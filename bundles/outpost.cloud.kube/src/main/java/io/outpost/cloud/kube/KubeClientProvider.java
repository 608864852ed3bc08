package io.outpost.cloud.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers a {@link KubernetesClient} for the cloud side's controllers. Works against any
 * conformant Kubernetes API: a kubeconfig file when one is configured, otherwise the in-cluster
 * service account (or {@code ~/.kube/config}), as fabric8 auto-configures.
 */
@Component(configurationPid = KubeClientProvider.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = KubeClientProvider.Cfg.class)
public class KubeClientProvider {
    static final String PID = "io.outpost.cloud.kube";
    private static final Logger LOG = LoggerFactory.getLogger(KubeClientProvider.class);

    @ObjectClassDefinition(name = "Outpost cloud: Kubernetes API", description = "How the cloud side reaches the Kubernetes API server.")
    public @interface Cfg {
        @AttributeDefinition(description = "Path of a kubeconfig file; empty for in-cluster configuration or ~/.kube/config.")
        String kubeconfig() default "";

        @AttributeDefinition(description = "Context of the kubeconfig to use; empty for its current context.")
        String context() default "";

        @AttributeDefinition(description = "Timeout of one API request, in milliseconds.", min = "100")
        int requestTimeoutMillis() default 10000;
    }

    private KubernetesClient client;
    private ServiceRegistration<KubernetesClient> registration;

    @Activate
    void activate(BundleContext bc, Cfg cfg) throws IOException {
        Config config;
        if (!cfg.kubeconfig().isBlank()) {
            Path p = Path.of(cfg.kubeconfig());
            if (!Files.isReadable(p)) {
                throw new IOException("kubeconfig " + p + " is not readable; set 'kubeconfig' in etc/" + PID + ".cfg");
            }
            config = Config.fromKubeconfig(cfg.context().isBlank() ? null : cfg.context(), Files.readString(p), p.toString());
        } else {
            config = Config.autoConfigure(cfg.context().isBlank() ? null : cfg.context());
        }
        config.setRequestTimeout(cfg.requestTimeoutMillis());
        // The client looks up implementation classes through the context class loader.
        Thread t = Thread.currentThread();
        ClassLoader old = t.getContextClassLoader();
        t.setContextClassLoader(KubeClientProvider.class.getClassLoader());
        try {
            client = new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(new JdkHttpClientFactory()).build();
        } finally {
            t.setContextClassLoader(old);
        }
        LOG.info("Kubernetes API at {}", config.getMasterUrl());
        registration = bc.registerService(KubernetesClient.class, client, null);
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            registration.unregister();
        }
        if (client != null) {
            client.close();
        }
    }
}
