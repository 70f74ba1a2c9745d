package io.vswitch.control.plane;

/** A conditional change (If-Match) found that another change came first; nothing changed. */
public final class ConflictException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConflictException(String message) {
    super(message);
  }
}
