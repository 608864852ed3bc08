package io.outpost.edge.console.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Reads the min/max bounds of attribute definitions from a bundle's Metatype XML. The OSGi
 * Metatype API checks bounds in {@code validate()} but does not expose them, and the console
 * needs them both to check values itself and to show the allowed range in its forms.
 */
public final class MetatypeBounds {
    /** Largest Metatype document read. */
    public static final int MAX_XML_BYTES = 512 * 1024;

    /** min and max of one attribute, either possibly null. */
    public record Bounds(String min, String max) {
    }

    private MetatypeBounds() {
    }

    /**
     * @return OCD id to (AD id to bounds), for the ADs that have a min or a max
     * @throws IOException when the document is too large or not well-formed XML
     */
    public static Map<String, Map<String, Bounds>> parse(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_XML_BYTES + 1);
        if (bytes.length > MAX_XML_BYTES) {
            throw new IOException("metatype document larger than " + MAX_XML_BYTES + " bytes");
        }
        Map<String, Map<String, Bounds>> out = new HashMap<>();
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setExpandEntityReferences(false);
            var doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(bytes));
            NodeList ocds = doc.getElementsByTagNameNS("*", "OCD");
            if (ocds.getLength() == 0) {
                ocds = doc.getElementsByTagName("OCD");
            }
            for (int i = 0; i < ocds.getLength(); i++) {
                Element ocd = (Element) ocds.item(i);
                Map<String, Bounds> ads = new HashMap<>();
                NodeList adList = ocd.getElementsByTagName("AD");
                for (int j = 0; j < adList.getLength(); j++) {
                    Element ad = (Element) adList.item(j);
                    String min = ad.hasAttribute("min") ? ad.getAttribute("min") : null;
                    String max = ad.hasAttribute("max") ? ad.getAttribute("max") : null;
                    if (min != null || max != null) {
                        ads.put(ad.getAttribute("id"), new Bounds(min, max));
                    }
                }
                out.put(ocd.getAttribute("id"), ads);
            }
        } catch (Exception e) {
            throw new IOException("not a Metatype document: " + e.getMessage(), e);
        }
        return out;
    }
}
