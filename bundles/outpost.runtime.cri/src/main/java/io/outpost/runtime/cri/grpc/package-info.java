/**
 * A small gRPC client for unary calls over HTTP/2 on a unix domain socket (Netty's HTTP/2 codec and
 * epoll transport): what CRI needs, and nothing of grpc-java. No OSGi here; see ADR 0006.
 */
package io.outpost.runtime.cri.grpc;
