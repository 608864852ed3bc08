package io.outpost.edge.ota;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Builds KARs for tests. */
final class Kars {
    private Kars() {
    }

    static byte[] zip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(b)) {
            for (var e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
            }
        }
        return b.toByteArray();
    }

    /** A KAR for feature {@code name} at {@code version} with one bundle, plus {@code mvn:} bundles it does not carry. */
    static byte[] feature(String name, String version, String... otherBundles) throws IOException {
        String dir = "repository/io/outpost/examples/" + name + "/" + version + "/";
        StringBuilder others = new StringBuilder();
        for (String o : otherBundles) {
            others.append("<bundle>").append(o).append("</bundle>");
        }
        String xml = "<features xmlns=\"http://karaf.apache.org/xmlns/features/v1.6.0\" name=\"" + name + "-" + version + "\">"
                + "<feature name=\"" + name + "\" version=\"" + version + "\"><bundle>mvn:io.outpost.examples/" + name + "/" + version + "</bundle>"
                + others + "</feature></features>";
        return zip(Map.of(dir + name + "-" + version + "-features.xml", xml.getBytes(StandardCharsets.UTF_8),
                dir + name + "-" + version + ".jar", ("jar of " + name + " " + version).getBytes(StandardCharsets.UTF_8)));
    }
}
