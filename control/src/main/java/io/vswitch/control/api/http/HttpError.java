package io.vswitch.control.api.http;

/** A request the server refuses with {@code status} and a one-line reason, e.g. 413 or 408. */
public final class HttpError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;

  public HttpError(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
