package io.outpost.edge.console.config;

import java.util.List;
import java.util.Optional;

/**
 * A configurable component: a configuration pid with its Metatype object class definition.
 *
 * @param pid the configuration pid
 * @param name the OCD's name
 * @param description the OCD's description, or ""
 * @param bundle the symbolic name of the bundle that declares it
 * @param fields its settings, in declaration order
 */
public record ComponentDef(String pid, String name, String description, String bundle, List<FieldDef> fields) {
    public ComponentDef {
        fields = List.copyOf(fields);
    }

    public Optional<FieldDef> field(String id) {
        return fields.stream().filter(f -> f.id().equals(id)).findFirst();
    }
}
