package io.outpost.edge.console.osgi;

import io.outpost.edge.console.api.ApiException;
import io.outpost.edge.console.api.Backends;
import io.outpost.edge.console.config.ComponentDef;
import io.outpost.edge.console.config.FieldDef;
import io.outpost.edge.console.config.MetatypeBounds;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.karaf.config.core.ConfigRepository;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * Every configuration pid that has a Metatype object class definition (singleton pids; factory
 * configurations are not edited here yet), with values from ConfigAdmin. Definitions are cached
 * per bundle until the bundle changes.
 */
final class MetatypeSettings implements Backends.Settings {
    private static final Set<String> HIDDEN_KEYS = Set.of(Constants.SERVICE_PID, ConfigurationAdmin.SERVICE_FACTORYPID,
            ConfigurationAdmin.SERVICE_BUNDLELOCATION, "felix.fileinstall.filename", "component.name", "component.id");

    private record Cached(long lastModified, List<ComponentDef> defs) {
    }

    private final BundleContext ctx;
    private final Supplier<MetaTypeService> metatype;
    private final Supplier<ConfigurationAdmin> configAdmin;
    private final Supplier<ConfigRepository> karafConfig;
    private final Map<Long, Cached> cache = new ConcurrentHashMap<>();

    MetatypeSettings(BundleContext ctx, Supplier<MetaTypeService> metatype, Supplier<ConfigurationAdmin> configAdmin,
            Supplier<ConfigRepository> karafConfig) {
        this.ctx = ctx;
        this.karafConfig = karafConfig;
        this.metatype = metatype;
        this.configAdmin = configAdmin;
    }

    @Override
    public List<ComponentDef> components() throws ApiException {
        MetaTypeService mts = metatype.get();
        if (mts == null) {
            throw ApiException.unavailable("the Metatype service", "the framework's org.apache.felix.metatype bundle is not active");
        }
        List<ComponentDef> out = new ArrayList<>();
        for (Bundle b : ctx.getBundles()) {
            if (b.getState() == Bundle.UNINSTALLED) {
                continue;
            }
            Cached c = cache.get(b.getBundleId());
            if (c == null || c.lastModified() != b.getLastModified()) {
                c = new Cached(b.getLastModified(), read(mts, b));
                cache.put(b.getBundleId(), c);
            }
            out.addAll(c.defs());
        }
        out.sort(Comparator.comparing(ComponentDef::pid));
        return out;
    }

    private static List<ComponentDef> read(MetaTypeService mts, Bundle b) {
        MetaTypeInformation mti;
        try {
            mti = mts.getMetaTypeInformation(b);
        } catch (RuntimeException e) {
            return List.of();
        }
        if (mti == null || mti.getPids() == null || mti.getPids().length == 0) {
            return List.of();
        }
        Map<String, Map<String, MetatypeBounds.Bounds>> bounds = bounds(b);
        List<ComponentDef> defs = new ArrayList<>();
        for (String pid : mti.getPids()) {
            ObjectClassDefinition ocd;
            try {
                ocd = mti.getObjectClassDefinition(pid, null);
            } catch (RuntimeException e) {
                continue;
            }
            if (ocd == null) {
                continue;
            }
            Map<String, MetatypeBounds.Bounds> ocdBounds = bounds.getOrDefault(ocd.getID(), Map.of());
            List<FieldDef> fields = new ArrayList<>();
            AttributeDefinition[] ads = ocd.getAttributeDefinitions(ObjectClassDefinition.ALL);
            for (AttributeDefinition ad : ads == null ? new AttributeDefinition[0] : ads) {
                var bd = ocdBounds.get(ad.getID());
                fields.add(new FieldDef(ad.getID(), nz(ad.getName(), ad.getID()), nz(ad.getDescription(), ""), type(ad.getType()),
                        ad.getCardinality(), bd == null ? null : bd.min(), bd == null ? null : bd.max(),
                        ad.getOptionLabels() == null ? List.of() : Arrays.asList(ad.getOptionLabels()),
                        ad.getOptionValues() == null ? List.of() : Arrays.asList(ad.getOptionValues()),
                        ad.getDefaultValue() == null ? List.of() : Arrays.asList(ad.getDefaultValue())));
            }
            defs.add(new ComponentDef(pid, nz(ocd.getName(), pid), nz(ocd.getDescription(), ""), String.valueOf(b.getSymbolicName()), fields));
        }
        return defs;
    }

    private static Map<String, Map<String, MetatypeBounds.Bounds>> bounds(Bundle b) {
        Map<String, Map<String, MetatypeBounds.Bounds>> all = new HashMap<>();
        Enumeration<URL> e = b.findEntries("OSGI-INF/metatype", "*.xml", false);
        for (URL u : e == null ? List.<URL>of() : Collections.list(e)) {
            try (InputStream in = u.openStream()) {
                all.putAll(MetatypeBounds.parse(in));
            } catch (IOException ex) {
                // bounds unknown for this document: values are still type-checked
            }
        }
        return all;
    }

    @Override
    public Map<String, Object> values(String pid) throws ApiException {
        Configuration c = existing(pid);
        Map<String, Object> out = new LinkedHashMap<>();
        if (c != null && c.getProperties() != null) {
            Dictionary<String, Object> p = c.getProperties();
            for (Enumeration<String> keys = p.keys(); keys.hasMoreElements();) {
                String k = keys.nextElement();
                if (!HIDDEN_KEYS.contains(k)) {
                    out.put(k, p.get(k));
                }
            }
        }
        return out;
    }

    @Override
    public void apply(String pid, Map<String, Object> changes) throws ApiException {
        ConfigurationAdmin ca = ca();
        ConfigRepository repo = karafConfig.get();
        if (repo != null) {
            // Karaf's own path (as config:edit): the change is also written to etc/<pid>.cfg,
            // where the README tells users their settings live
            Map<String, Object> all = new LinkedHashMap<>(values(pid));
            changes.forEach((k, v) -> {
                if (v == null) {
                    all.remove(k);
                } else {
                    all.put(k, v);
                }
            });
            try {
                repo.update(pid, all);
                return;
            } catch (IOException | RuntimeException e) {
                throw new ApiException(500, "Karaf could not store " + pid + ": " + e.getMessage());
            }
        }
        try {
            Configuration c = existing(pid);
            if (c == null) {
                // unbound, like Karaf's config:edit: it binds to the bundle that uses the pid
                c = ca.getConfiguration(pid, null);
            }
            Dictionary<String, Object> p = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
            for (var e : changes.entrySet()) {
                if (e.getValue() == null) {
                    p.remove(e.getKey());
                } else {
                    p.put(e.getKey(), e.getValue());
                }
            }
            c.update(p);
        } catch (IOException | IllegalStateException e) {
            throw new ApiException(500, "ConfigAdmin could not store " + pid + ": " + e.getMessage());
        }
    }

    private Configuration existing(String pid) throws ApiException {
        try {
            Configuration[] cs = ca().listConfigurations("(" + Constants.SERVICE_PID + "=" + escape(pid) + ")");
            return cs == null || cs.length == 0 ? null : cs[0];
        } catch (IOException | InvalidSyntaxException e) {
            throw new ApiException(500, "cannot read the configuration of " + pid + ": " + e.getMessage());
        }
    }

    private ConfigurationAdmin ca() throws ApiException {
        ConfigurationAdmin ca = configAdmin.get();
        if (ca == null) {
            throw ApiException.unavailable("ConfigAdmin", "the framework's org.apache.felix.configadmin bundle is not active");
        }
        return ca;
    }

    static String escape(String v) {
        return v.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace("*", "\\*");
    }

    private static String nz(String s, String def) {
        return s == null || s.isEmpty() ? def : s;
    }

    static FieldDef.Type type(int t) {
        return switch (t) {
            case AttributeDefinition.LONG -> FieldDef.Type.LONG;
            case AttributeDefinition.INTEGER -> FieldDef.Type.INTEGER;
            case AttributeDefinition.SHORT -> FieldDef.Type.SHORT;
            case AttributeDefinition.CHARACTER -> FieldDef.Type.CHARACTER;
            case AttributeDefinition.BYTE -> FieldDef.Type.BYTE;
            case AttributeDefinition.DOUBLE -> FieldDef.Type.DOUBLE;
            case AttributeDefinition.FLOAT -> FieldDef.Type.FLOAT;
            case AttributeDefinition.BOOLEAN -> FieldDef.Type.BOOLEAN;
            case AttributeDefinition.PASSWORD -> FieldDef.Type.PASSWORD;
            default -> FieldDef.Type.STRING;
        };
    }
}
