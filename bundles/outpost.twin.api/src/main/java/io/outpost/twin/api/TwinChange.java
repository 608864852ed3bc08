package io.outpost.twin.api;

/**
 * A change to one twin asked for by the edge side: a mapper reporting what it read (actual), or an
 * edge application asking for a value (expected). Either may be null; both null changes nothing.
 *
 * @param expected a new desired value, or null to leave it
 * @param actual a new actual value, or null to leave it
 * @since 0.2
 */
public record TwinChange(String expected, String actual) {
    /** @return a change of the actual value only */
    public static TwinChange actual(String value) {
        return new TwinChange(null, value);
    }
}
