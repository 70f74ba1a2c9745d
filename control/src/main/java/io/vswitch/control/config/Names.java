package io.vswitch.control.config;

import java.util.regex.Pattern;

/**
 * The one rule for names the operator gives (ports, port groups, ACLs), and the one way untrusted
 * text is quoted in messages. A name travels into URL paths ({@code /v1/ports/NAME}), log lines,
 * journal records and DPDK device names ({@code net_vhost_NAME}, within RTE_DEV_NAME_MAX_LEN 64):
 * letters, digits, {@code _ . -}, at most {@link ConfigLimits#MAX_NAME_LENGTH}, and not {@code .}
 * or {@code ..} (path segments), is safe in all of them.
 */
public final class Names {
  private static final Pattern NAME =
      Pattern.compile("[A-Za-z0-9_.-]{1," + ConfigLimits.MAX_NAME_LENGTH + "}");

  /** Longest untrusted text a message repeats; the rest is cut, as "...". */
  private static final int QUOTE_LIMIT = 64;

  private Names() {}

  public static boolean isValid(String name) {
    return name != null && NAME.matcher(name).matches() && !name.equals(".") && !name.equals("..");
  }

  /**
   * Returns {@code name} when it is a valid name for {@code kind} ("port", "port group", "acl"),
   * else throws a one-line {@link ConfigException} with the name quoted safely.
   */
  public static String check(String kind, String name) {
    if (name == null || name.isEmpty()) {
      throw new ConfigException("every " + kind + " needs a name");
    }
    if (!isValid(name)) {
      throw new ConfigException(
          kind
              + " name "
              + quote(name)
              + " is not allowed: use 1.."
              + ConfigLimits.MAX_NAME_LENGTH
              + " of A-Z a-z 0-9 _ . - (not . or ..)");
    }
    return name;
  }

  /**
   * {@code text} in single quotes, printable and on one line: control and non-ASCII-printable
   * characters become {@code \n}, {@code \xNN} or {@code \\uNNNN}, quotes and backslashes are
   * escaped, and long text is cut. For any untrusted string in a log line or error message.
   */
  public static String quote(String text) {
    if (text == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder("'");
    int n = Math.min(text.length(), QUOTE_LIMIT);
    for (int i = 0; i < n; i++) {
      escape(b, text.charAt(i));
    }
    if (text.length() > QUOTE_LIMIT) {
      b.append("...");
    }
    return b.append('\'').toString();
  }

  /** Escapes what would break a line or fool a terminal, keeping all else as is. */
  static String escapeControls(String text) {
    StringBuilder b = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\'' || c == '\\') {
        b.append(c);
      } else {
        escape(b, c);
      }
    }
    return b.toString();
  }

  private static void escape(StringBuilder b, char c) {
    switch (c) {
      case '\n' -> b.append("\\n");
      case '\r' -> b.append("\\r");
      case '\t' -> b.append("\\t");
      case '\'', '\\' -> b.append('\\').append(c);
      default -> {
        if (c < 0x20 || c == 0x7f) {
          b.append(String.format("\\x%02x", (int) c));
        } else if (unsafeUnicode(c)) {
          b.append(String.format("\\u%04x", (int) c));
        } else {
          b.append(c);
        }
      }
    }
  }

  /** C1 controls, line/paragraph separators, bidi overrides and isolates, BOM. */
  private static boolean unsafeUnicode(char c) {
    return (c >= 0x80 && c <= 0x9f)
        || c == 0x2028
        || c == 0x2029
        || (c >= 0x202a && c <= 0x202e)
        || (c >= 0x2066 && c <= 0x2069)
        || c == 0xfeff;
  }
}
