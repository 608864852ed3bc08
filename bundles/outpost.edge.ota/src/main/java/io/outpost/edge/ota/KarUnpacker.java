package io.outpost.edge.ota;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * Unpacks a KAR (a zip whose {@code repository/} holds features XMLs and bundles in Maven
 * layout) into a folder of the agent's own, and makes its features repositories point at the
 * unpacked bundles: every {@code <bundle>mvn:g/a/v[/type[/classifier]]</bundle>} found in the
 * archive becomes a {@code file:} URL of the unpacked jar. Bundles the archive does not carry
 * keep their {@code mvn:} location and resolve from the distribution's {@code system/}
 * repository, offline. Nothing is written outside {@code target}. No OSGi.
 */
final class KarUnpacker {
    /** Entries in one archive, at most. */
    static final int MAX_ENTRIES = 10_000;

    private KarUnpacker() {
    }

    /** What a KAR provided: the rewritten features repositories, and whether they declare the feature. */
    record Unpacked(List<URI> repositories, boolean declaresFeature) {
    }

    /**
     * @param kar the verified archive
     * @param target an empty (or absent) folder inside the agent's folder
     * @param maxBytes most bytes unpacked in total (a zip bomb stops here)
     * @param feature the feature the rollout installs, looked up in the repositories
     */
    static Unpacked unpack(Path kar, Path target, long maxBytes, String feature, String version) throws IOException {
        Path base = target.toAbsolutePath().normalize();
        deleteTree(base);
        Files.createDirectories(base);
        long total = 0;
        int entries = 0;
        List<Path> xmls = new ArrayList<>();
        try (ZipInputStream zin = new ZipInputStream(Files.newInputStream(kar))) {
            ZipEntry e;
            while ((e = zin.getNextEntry()) != null) {
                if (++entries > MAX_ENTRIES) {
                    throw new IOException("the archive has more than " + MAX_ENTRIES + " entries");
                }
                String name = e.getName();
                if (name.contains("..") || name.startsWith("/") || name.contains("\\") || name.contains(":")) {
                    throw new IOException("the archive entry '" + name + "' points outside the archive's folder; refused");
                }
                if (!name.startsWith("repository/") || e.isDirectory()) {
                    continue; // KAR's resources/ and metadata are not installed by the agent
                }
                Path out = base.resolve(name).normalize();
                if (!out.startsWith(base.resolve("repository"))) {
                    throw new IOException("the archive entry '" + name + "' points outside the archive's folder; refused");
                }
                Files.createDirectories(out.getParent());
                try (OutputStream o = Files.newOutputStream(out)) {
                    byte[] buf = new byte[64 * 1024];
                    int r;
                    while ((r = zin.read(buf)) > 0) {
                        total += r;
                        if (total > maxBytes) {
                            throw new IOException("the archive unpacks to more than " + maxBytes + " bytes; refused");
                        }
                        o.write(buf, 0, r);
                    }
                }
                if (name.endsWith(".xml")) {
                    xmls.add(out);
                }
            }
        }
        if (xmls.isEmpty()) {
            throw new IOException("the archive has no features XML under repository/");
        }
        List<URI> repos = new ArrayList<>();
        boolean declares = false;
        for (Path x : xmls) {
            Path rewritten = x.resolveSibling(x.getFileName().toString().replaceAll("\\.xml$", "") + ".outpost.xml");
            declares |= rewrite(x, rewritten, base.resolve("repository"), feature, version);
            repos.add(rewritten.toUri());
        }
        return new Unpacked(repos, declares);
    }

    /** @return whether the document declares feature {@code name} at {@code version} */
    static boolean rewrite(Path in, Path out, Path repo, String name, String version) throws IOException {
        Document doc;
        try (InputStream s = Files.newInputStream(in)) {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            // Errors become the exception below, not lines on stderr.
            b.setErrorHandler(new org.xml.sax.helpers.DefaultHandler() {
                @Override
                public void fatalError(org.xml.sax.SAXParseException e) throws SAXException {
                    throw e;
                }
            });
            doc = b.parse(s);
        } catch (ParserConfigurationException | SAXException e) {
            throw new IOException("the features XML " + in.getFileName() + " is not valid XML: " + e.getMessage());
        }
        boolean declares = false;
        NodeList features = doc.getElementsByTagNameNS("*", "feature");
        for (int i = 0; i < features.getLength(); i++) {
            Element f = (Element) features.item(i);
            if (name.equals(f.getAttribute("name")) && version.equals(f.getAttribute("version"))) {
                declares = true;
            }
        }
        NodeList bundles = doc.getElementsByTagNameNS("*", "bundle");
        for (int i = 0; i < bundles.getLength(); i++) {
            Element e = (Element) bundles.item(i);
            String loc = e.getTextContent().trim();
            Path jar = mavenPath(repo, loc);
            if (jar != null && Files.isRegularFile(jar)) {
                e.setTextContent(jar.toUri().toString());
            }
        }
        try (OutputStream o = Files.newOutputStream(out)) {
            var t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.INDENT, "no");
            t.transform(new DOMSource(doc), new StreamResult(o));
        } catch (TransformerException e) {
            throw new IOException("cannot write " + out + ": " + e.getMessage());
        }
        return declares;
    }

    /** @return where {@code mvn:g/a/v[/type[/classifier]]} lies in a Maven layout, or null for other locations */
    static Path mavenPath(Path repo, String location) {
        if (!location.startsWith("mvn:") || location.contains("!") || location.contains("..")) {
            return null;
        }
        String[] p = location.substring(4).split("/");
        if (p.length < 3 || p.length > 5) {
            return null;
        }
        for (String s : p) {
            if (!s.matches("[A-Za-z0-9._-]+")) {
                return null;
            }
        }
        String type = p.length > 3 && !p[3].isEmpty() ? p[3] : "jar";
        String classifier = p.length > 4 ? "-" + p[4] : "";
        Path jar = repo.resolve(p[0].replace('.', '/')).resolve(p[1]).resolve(p[2]).resolve(p[1] + "-" + p[2] + classifier + "." + type).normalize();
        return jar.startsWith(repo) ? jar : null;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
