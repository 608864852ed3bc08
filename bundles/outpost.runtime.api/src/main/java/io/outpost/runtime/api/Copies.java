package io.outpost.runtime.api;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Defensive copies for the records: {@code null} collections become empty ones. */
final class Copies {
    private Copies() {}

    static <T> List<T> list(List<T> list) {
        return list == null ? List.of() : List.copyOf(list);
    }

    static Map<String, String> map(Map<String, String> map) {
        return map == null ? Map.of() : Map.copyOf(map);
    }

    static String require(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        return value;
    }

    static String orEmpty(String value) {
        return value == null ? "" : value;
    }
}
