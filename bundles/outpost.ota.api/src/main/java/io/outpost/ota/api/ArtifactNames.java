package io.outpost.ota.api;

import java.util.regex.Pattern;

/**
 * Validation of what names files, URLs and Karaf calls: artifact (feature) names, versions and
 * SHA-256 digests. Names and versions come from a custom resource anyone with write access to it
 * can edit, so they are checked on both sides against a strict alphabet — no shell
 * metacharacters, no path separators, no {@code ..} — before they name anything.
 *
 * @since 0.1
 */
public final class ArtifactNames {
    /** A Karaf feature or bundle name: letters, digits, '.', '_', '-'; starts with a letter or digit; at most 128. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** An OSGi version: major[.minor[.micro[.qualifier]]], qualifier of letters, digits, '_', '-'. */
    private static final Pattern VERSION = Pattern.compile("(0|[1-9][0-9]{0,8})(\\.(0|[1-9][0-9]{0,8})(\\.(0|[1-9][0-9]{0,8})(\\.[A-Za-z0-9_-]{1,64})?)?)?");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private ArtifactNames() {
    }

    /**
     * @param name a candidate name
     * @return the name
     * @throws IllegalArgumentException saying what is wrong and what is allowed
     */
    public static String requireName(String name) {
        if (name == null || !NAME.matcher(name).matches() || name.contains("..")) {
            throw new IllegalArgumentException("invalid artifact name '" + printable(name)
                    + "': use letters, digits, '.', '_' and '-' (at most 128, starting with a letter or digit, no '..')");
        }
        return name;
    }

    /**
     * @param version a candidate version
     * @return the version
     * @throws IllegalArgumentException saying what is wrong and what is allowed
     */
    public static String requireVersion(String version) {
        if (version == null || !VERSION.matcher(version).matches()) {
            throw new IllegalArgumentException("invalid version '" + printable(version)
                    + "': use an OSGi version, major[.minor[.micro[.qualifier]]] (e.g. 1.2.0), qualifier of letters, digits, '_' and '-'");
        }
        return version;
    }

    /**
     * @param sha256 a candidate digest
     * @return the digest
     * @throws IllegalArgumentException unless it is 64 lower-case hex digits
     */
    public static String requireSha256(String sha256) {
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("invalid sha256 '" + printable(sha256) + "': use 64 lower-case hex digits");
        }
        return sha256;
    }

    /**
     * Compares two valid versions as OSGi does: numbers numerically, the qualifier as a string.
     *
     * @return negative, zero or positive as {@code a} is lower than, equal to or higher than {@code b}
     */
    public static int compareVersions(String a, String b) {
        String[] x = requireVersion(a).split("\\.", 4);
        String[] y = requireVersion(b).split("\\.", 4);
        for (int i = 0; i < 3; i++) {
            long p = i < x.length ? Long.parseLong(x[i]) : 0;
            long q = i < y.length ? Long.parseLong(y[i]) : 0;
            if (p != q) {
                return Long.compare(p, q);
            }
        }
        return (x.length > 3 ? x[3] : "").compareTo(y.length > 3 ? y[3] : "");
    }

    /** For error messages: control characters shown escaped, long input cut. */
    static String printable(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder();
        for (char c : s.substring(0, Math.min(s.length(), 80)).toCharArray()) {
            b.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return s.length() > 80 ? b + "…" : b.toString();
    }
}
