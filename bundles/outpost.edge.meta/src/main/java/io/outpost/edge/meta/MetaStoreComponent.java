package io.outpost.edge.meta;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.meta.api.MetaStore;
import io.outpost.meta.api.StoredObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Publishes the gateway's SQLite meta store as the {@link MetaStore} service. */
@Component(configurationPid = MetaStoreComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = MetaStoreComponent.Config.class)
public class MetaStoreComponent implements MetaStore {
    static final String PID = "io.outpost.edge.meta";
    private static final Logger LOG = LoggerFactory.getLogger(MetaStoreComponent.class);

    @ObjectClassDefinition(name = "Outpost meta store", description = "Where the gateway keeps what the cloud sent and the device twins.")
    @interface Config {
        @AttributeDefinition(name = "Database file", description = "The SQLite file; relative paths are under the Karaf data directory.")
        String path() default "outpost/meta.db";
    }

    private SqliteMetaStore store;

    @Activate
    void activate(Config config) {
        Path p = Path.of(config.path());
        if (!p.isAbsolute()) {
            p = Path.of(System.getProperty("karaf.data", "data")).resolve(p);
        }
        store = new SqliteMetaStore(p);
        LOG.info("meta store: {}", store.file());
    }

    @Deactivate
    void deactivate() {
        store.close();
    }

    @Override
    public Optional<StoredObject> get(String kind, String key) {
        return store.get(kind, key);
    }

    @Override
    public List<StoredObject> list(String kind) {
        return store.list(kind);
    }

    @Override
    public void put(String kind, String key, JsonNode value, String resourceVersion) {
        store.put(kind, key, value, resourceVersion);
    }

    @Override
    public boolean delete(String kind, String key) {
        return store.delete(kind, key);
    }
}
