package io.vswitch.control.plane;

/**
 * A valid change that could not be carried out (DPDK refused a device, say). The switch is left as
 * it was before the change; the message says what failed.
 */
public final class ApplyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ApplyException(String message, Throwable cause) {
    super(message, cause);
  }
}
