package io.vswitch.control.config;

/**
 * A configuration the switch refuses; the message is one line that says what to change. The line is
 * made safe here, once, for every message: parts of it come from the input (names, values, parser
 * excerpts), and a newline in a name must not forge a second log line.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Messages longer than this are cut: a message repeats input, and input can be megabytes. */
  private static final int MAX_MESSAGE = 1000;

  public ConfigException(String message) {
    super(oneLine(message));
  }

  private static String oneLine(String message) {
    String safe = Names.escapeControls(String.valueOf(message));
    return safe.length() <= MAX_MESSAGE ? safe : safe.substring(0, MAX_MESSAGE) + "...";
  }
}
