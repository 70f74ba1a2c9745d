package io.vswitch.control.api.http;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One parsed request. The body is not read until {@link #body} is called, so that the handler can
 * refuse the request (no token, wrong Host) without reading a byte of it.
 *
 * @param method GET, PUT...
 * @param path the target without its query, e.g. /v1/ports/vm3
 * @param headers header values by lower-case name
 * @param overTcp true over TCP, false over the unix socket
 * @param remote who is asking, for the audit log ("127.0.0.1", "unix socket, user root")
 * @param localHost the address the client connected to (TCP), for the Host check; null on unix
 */
public record HttpRequest(
    String method,
    String path,
    Map<String, String> headers,
    boolean overTcp,
    String remote,
    String localHost,
    long contentLength,
    BodyReader bodyReader) {

  /** Reads the body on demand (once); the server has already checked its declared length. */
  public interface BodyReader {
    byte[] read();
  }

  public String header(String lowerCaseName) {
    return headers.get(lowerCaseName);
  }

  /** The body, read now (at most the server's body limit, within the body timeout). */
  public byte[] body() {
    return bodyReader.read();
  }

  public String bodyText() {
    return new String(body(), StandardCharsets.UTF_8);
  }
}
