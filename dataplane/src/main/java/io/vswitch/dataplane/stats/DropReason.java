package io.vswitch.dataplane.stats;

/**
 * Why a packet was dropped: one enum that gives both the counter index and its label, so a new
 * reason cannot be counted without also being named (VPP's X-macro, in Java).
 */
public enum DropReason {
  /** The egress transmit queue was full: the device could not keep up. */
  TX_QUEUE_FULL("tx_queue_full"),
  /** No egress: a cross-connect with no peer, or a port that is not forwarding. */
  NO_EGRESS("no_egress");

  private final String label;

  DropReason(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
