package io.vswitch.control.api;

import java.util.Locale;

/**
 * Refuses TCP requests whose Host header names another machine: a browser page that rebinds its own
 * DNS name to 127.0.0.1 reaches the API with {@code Host: evil.example}, and is refused here. Only
 * loopback names and addresses, the address the API was configured with, and the literal address
 * the client connected to are this switch.
 */
final class HostCheck {
  private final String configuredHost;

  HostCheck(String configuredHost) {
    this.configuredHost = strip(configuredHost.toLowerCase(Locale.ROOT));
  }

  /** Null when {@code host} (the header's value) names this switch, else why not. */
  String refusal(String host, String connectedTo) {
    if (host == null || host.isEmpty()) {
      return "a Host header is required";
    }
    String name = strip(withoutPort(host.toLowerCase(Locale.ROOT)));
    boolean ok =
        name.equals("localhost")
            || name.endsWith(".localhost")
            || name.matches("127(\\.[0-9]{1,3}){3}")
            || name.equals("::1")
            || name.equals(configuredHost)
            || (connectedTo != null && name.equals(strip(connectedTo.toLowerCase(Locale.ROOT))));
    return ok
        ? null
        : "Host '" + host + "' is not this switch (DNS rebinding?): use its address or localhost";
  }

  private static String withoutPort(String host) {
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      return close < 0 ? host : host.substring(0, close + 1);
    }
    int colon = host.indexOf(':');
    return colon >= 0 && host.indexOf(':', colon + 1) < 0 ? host.substring(0, colon) : host;
  }

  private static String strip(String host) {
    String h =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    return h.equals("0:0:0:0:0:0:0:1") ? "::1" : h;
  }
}
