package io.outpost.edge.bus.kubeedge;

/** Where a property's {@code pushMethod.http} sends values: an HTTP endpoint. Never blocks. */
@FunctionalInterface
public interface HttpPushTarget {
    /**
     * @param url {@code http://<hostName>:<port>/<requestPath>}
     * @param body the JSON document
     * @param timeoutMillis how long the request may take
     */
    void post(String url, byte[] body, int timeoutMillis);
}
