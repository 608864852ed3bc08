package io.outpost.examples.otahello;

import java.util.Map;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The feature's own health check, as any feature can ship one: an Apache Felix Health Check
 * tagged with the feature's name, which the OTA agent runs after installing the feature.
 * {@code failWith} empty means healthy; kar.sh {@code --failing-check} packs a version whose
 * check reports CRITICAL with that text, so the rollback path can be shown end to end.
 */
@Component(service = HealthCheck.class, property = {HealthCheck.NAME + "=ota-hello greets", HealthCheck.TAGS + "=ota-hello", "failWith="})
public class GreeterCheck implements HealthCheck {
    @Reference
    private Greeter greeter;
    private String failWith;

    @Activate
    void activate(Map<String, Object> props) {
        failWith = String.valueOf(props.getOrDefault("failWith", ""));
    }

    @Override
    public Result execute() {
        return failWith.isEmpty() ? new Result(Result.Status.OK, "ota-hello " + greeter.version() + " greets")
                : new Result(Result.Status.CRITICAL, failWith);
    }
}
