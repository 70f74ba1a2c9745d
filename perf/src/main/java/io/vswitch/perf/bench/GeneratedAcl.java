package io.vswitch.perf.bench;

/**
 * The rules of a generated ACL, as YAML list items for a bench config ({@code ${acl-1000-rules}}):
 * micro-segmentation denies (TCP from a /24 of 10.128/9 to a host of 172.16/12 on one port or a
 * range of 16), none of which the generators' UDP frames (10.0.x.y -> 10.1.0.1) match, then an
 * allow-all last: every frame is classified against the whole set and the last rule decides.
 */
final class GeneratedAcl {
  private GeneratedAcl() {}

  /** {@code count} rules (the last an allow-all), one per line, indented as list items. */
  static String rules(int count, String indent) {
    StringBuilder out = new StringBuilder();
    for (int k = 0; k < count - 1; k++) {
      int port = 1000 + k;
      out.append(indent)
          .append("- {priority: ")
          .append(10 * (k + 1))
          .append(", action: deny, protocol: tcp, src-ip: 10.")
          .append(128 + (k >> 8 & 0x7F))
          .append('.')
          .append(k & 0xFF)
          .append(".0/24, dst-ip: 172.16.")
          .append(k >> 8 & 0xFF)
          .append('.')
          .append(k & 0xFF)
          .append(", dst-port: \"")
          .append(port)
          .append(k % 4 == 0 ? "-" + (port + 15) : "")
          .append("\"}\n");
    }
    out.append(indent).append("- {priority: ").append(10 * count).append(", action: allow}\n");
    return out.toString();
  }
}
