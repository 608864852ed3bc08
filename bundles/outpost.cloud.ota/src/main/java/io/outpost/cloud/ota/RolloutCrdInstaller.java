package io.outpost.cloud.ota;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.outpost.cloud.kube.crd.OutpostCrds;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Installs the {@code gatewayrollouts.outpost.io} CRD, as the device bundle installs KubeEdge's
 * device CRDs. An existing definition
 * is updated only when it was installed by Outpost (label {@code app.kubernetes.io/part-of:
 * outpost}); one installed by KubeEdge or an operator is left alone.
 */
@Component(configurationPid = RolloutCrdInstaller.PID, immediate = true, service = {})
@Designate(ocd = RolloutCrdInstaller.Cfg.class)
public class RolloutCrdInstaller {
    static final String PID = "io.outpost.cloud.ota.crd";
    static final List<String> CRDS = List.of("crds/outpost.io_gatewayrollouts.yaml");

    @ObjectClassDefinition(name = "Outpost cloud: GatewayRollout CRD", description = "The OTA rollout custom resource.")
    public @interface Cfg {
        @AttributeDefinition(description = "Install or update the gatewayrollouts.outpost.io CRD at start (turn off where a cluster admin manages them).")
        boolean installCrds() default true;
    }

    @Reference
    private KubernetesClient kube;

    private OutpostCrds.Installation installation;

    @Activate
    void activate(Cfg cfg) {
        if (cfg.installCrds()) {
            installation = OutpostCrds.installInBackground(kube, RolloutCrdInstaller.class.getClassLoader(), CRDS, "GatewayRollout CRD");
        }
    }

    @Deactivate
    void deactivate() {
        if (installation != null) {
            installation.close();
        }
    }
}
