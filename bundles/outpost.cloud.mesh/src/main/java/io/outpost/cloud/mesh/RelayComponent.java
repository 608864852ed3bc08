package io.outpost.cloud.mesh;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.netty.channel.nio.NioEventLoopGroup;
import io.outpost.mesh.tunnel.Relay;
import io.outpost.mesh.tunnel.TunnelTls;
import io.outpost.hub.api.CloudHub;
import io.outpost.hub.api.Groups;
import io.outpost.hub.api.Message;
import io.outpost.hub.api.Modules;
import io.outpost.hub.api.Operations;
import io.outpost.link.pki.CertifiedKey;
import io.outpost.link.pki.Pki;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh's relay on the cloud, for gateways with no route to each other. Its identity is a node
 * certificate {@code system:node:outpost-relay} that it issues itself from the cluster CA (the
 * Secret the cloud hub keeps); the relay calls a gateway with {@code _/relaycall/<session>} (group
 * mesh) over the gateway's link. Waits for the CA Secret when it starts before the hub.
 */
@Component(immediate = true, configurationPid = RelayComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = RelayComponent.Cfg.class)
public class RelayComponent {
    static final String PID = "io.outpost.cloud.mesh.relay";
    private static final Logger LOG = LoggerFactory.getLogger(RelayComponent.class);

    @ObjectClassDefinition(name = "Outpost cloud: mesh relay", description = "Relays tunnel streams between gateways that cannot reach each other.")
    public @interface Cfg {
        @AttributeDefinition(description = "Address to listen on.")
        String bindAddress() default "0.0.0.0";

        @AttributeDefinition(description = "Port (gateways: relayPort of io.outpost.edge.mesh); 0 turns the relay off.")
        int port() default 10007;

        @AttributeDefinition(description = "Namespace of the cloud hub's CA Secret (outpost-ca).")
        String namespace() default "outpost-system";
    }

    @Reference
    private KubernetesClient kube;

    @Reference
    private CloudHub hub;

    private Cfg cfg;
    private NioEventLoopGroup group;
    private ScheduledExecutorService waiter;
    private volatile Relay relay;

    @Activate
    void activate(Cfg cfg) {
        this.cfg = cfg;
        if (cfg.port() <= 0) {
            return;
        }
        group = new NioEventLoopGroup(1, (java.util.concurrent.ThreadFactory) r -> new Thread(r, "outpost-mesh-relay"));
        // One thread that waits for the CA (reading a Secret blocks); stopped in deactivate.
        waiter = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "outpost-mesh-relay-start"));
        waiter.execute(this::start);
    }

    private void start() {
        try {
            Secret s = kube.secrets().inNamespace(cfg.namespace()).withName("outpost-ca").get();
            if (s == null || s.getData() == null || !s.getData().containsKey("ca.key")) {
                waiter.schedule(this::start, 2, TimeUnit.SECONDS);
                return;
            }
            CertifiedKey ca = new CertifiedKey(Pki.parsePrivateKey(text(s, "ca.key")), Pki.parseCertificate(text(s, "ca.crt").getBytes(StandardCharsets.US_ASCII)));
            KeyPair kp = Pki.newKeyPair();
            CertifiedKey me = new CertifiedKey(kp.getPrivate(),
                    Pki.signNodeCsr(ca, Pki.newNodeCsr(kp, Relay.NODE_NAME), Relay.NODE_NAME, Duration.ofDays(365)));
            Relay r = new Relay(group, TunnelTls.server(me, ca.certificate()), this::call);
            InetSocketAddress at = r.listen(new InetSocketAddress(cfg.bindAddress(), cfg.port()));
            relay = r;
            LOG.info("mesh relay listening on {}", at);
        } catch (Exception e) {
            LOG.error("mesh relay not started: {}; retrying in 10 s", e.getMessage());
            waiter.schedule(this::start, 10, TimeUnit.SECONDS);
        }
    }

    private static String text(Secret s, String key) {
        return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.US_ASCII);
    }

    private boolean call(String node, String session) {
        return hub.send(node, Message.builder().route(Modules.EDGE_CONTROLLER, Groups.MESH, Operations.UPDATE, "_/relaycall/" + session)
                .build());
    }

    @Deactivate
    void deactivate() {
        if (waiter != null) {
            waiter.shutdownNow();
        }
        Relay r = relay;
        if (r != null) {
            r.close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
    }
}
