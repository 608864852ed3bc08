package io.outpost.cloud.device;

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
 * Installs KubeEdge's device API (the {@code devices.kubeedge.io} Device and DeviceModel CRDs)
 * into the cluster, so that KubeEdge's Device manifests apply unchanged. An existing definition
 * is updated only when it was installed by Outpost (label {@code app.kubernetes.io/part-of:
 * outpost}); one installed by KubeEdge or an operator is left alone.
 */
@Component(configurationPid = DeviceCrdInstaller.PID, immediate = true, service = {})
@Designate(ocd = DeviceCrdInstaller.Cfg.class)
public class DeviceCrdInstaller {
    static final String PID = "io.outpost.cloud.device";
    static final List<String> CRDS = List.of("crds/devices.kubeedge.io_devicemodels.yaml", "crds/devices.kubeedge.io_devices.yaml");

    @ObjectClassDefinition(name = "Outpost cloud: device API", description = "KubeEdge's device custom resources.")
    public @interface Cfg {
        @AttributeDefinition(description = "Install or update the devices.kubeedge.io CRDs at start (turn off where a cluster admin manages them).")
        boolean installCrds() default true;
    }

    @Reference
    private KubernetesClient kube;

    private OutpostCrds.Installation installation;

    @Activate
    void activate(Cfg cfg) {
        if (cfg.installCrds()) {
            installation = OutpostCrds.installInBackground(kube, DeviceCrdInstaller.class.getClassLoader(), CRDS, "device CRDs");
        }
    }

    @Deactivate
    void deactivate() {
        if (installation != null) {
            installation.close();
        }
    }
}
