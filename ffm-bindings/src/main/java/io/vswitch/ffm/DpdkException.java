package io.vswitch.ffm;

/**
 * A DPDK call failed. The message is one line meant for an operator: what failed, DPDK's reason,
 * and what to do about it.
 */
public final class DpdkException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int errno;

  public DpdkException(String message, int errno) {
    super(message);
    this.errno = Math.abs(errno);
  }

  /** The positive errno value DPDK reported, or 0 when there was none. */
  public int errno() {
    return errno;
  }

  static DpdkException of(String what, int ret, String hint) {
    String reason = Shim.strerror(ret);
    return new DpdkException(what + ": " + reason + (hint.isEmpty() ? "" : " (" + hint + ")"), ret);
  }
}
