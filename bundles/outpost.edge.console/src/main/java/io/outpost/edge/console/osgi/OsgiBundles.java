package io.outpost.edge.console.osgi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.outpost.edge.console.api.ApiException;
import io.outpost.edge.console.api.Backends;
import java.util.Arrays;
import java.util.Comparator;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;

/** The framework's bundles: list, start, stop. */
final class OsgiBundles implements Backends.Bundles {
    private final BundleContext ctx;

    OsgiBundles(BundleContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public ArrayNode list() {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        Arrays.stream(ctx.getBundles()).sorted(Comparator.comparingLong(Bundle::getBundleId)).forEach(b -> a.addObject()
                .put("id", b.getBundleId())
                .put("symbolicName", String.valueOf(b.getSymbolicName()))
                .put("name", String.valueOf(b.getHeaders().get(Constants.BUNDLE_NAME)))
                .put("version", b.getVersion().toString())
                .put("state", state(b.getState()))
                .put("fragment", b.getHeaders().get(Constants.FRAGMENT_HOST) != null));
        return a;
    }

    @Override
    public void start(long id) throws ApiException {
        Bundle b = bundle(id);
        try {
            b.start();
        } catch (BundleException | IllegalStateException e) {
            throw new ApiException(409, "cannot start " + b.getSymbolicName() + ": " + e.getMessage());
        }
    }

    @Override
    public void stop(long id) throws ApiException {
        Bundle b = bundle(id);
        if (b.getBundleId() == ctx.getBundle().getBundleId()) {
            throw new ApiException(409, "stopping the console's own bundle would end this session; use the Karaf shell (bundle:stop)");
        }
        try {
            b.stop();
        } catch (BundleException | IllegalStateException e) {
            throw new ApiException(409, "cannot stop " + b.getSymbolicName() + ": " + e.getMessage());
        }
    }

    private Bundle bundle(long id) throws ApiException {
        Bundle b = ctx.getBundle(id);
        if (b == null) {
            throw new ApiException(404, "no bundle " + id + " (GET /api/bundles lists them)");
        }
        if (id == 0) {
            throw new ApiException(409, "the framework itself cannot be started or stopped from the console");
        }
        if (b.getHeaders().get(Constants.FRAGMENT_HOST) != null) {
            throw new ApiException(409, b.getSymbolicName() + " is a fragment: it follows its host bundle");
        }
        return b;
    }

    static String state(int s) {
        return switch (s) {
            case Bundle.ACTIVE -> "ACTIVE";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.UNINSTALLED -> "UNINSTALLED";
            default -> "UNKNOWN";
        };
    }
}
