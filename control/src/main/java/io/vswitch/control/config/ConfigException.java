package io.vswitch.control.config;

/** A configuration the switch refuses; the message is one line that says what to change. */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
