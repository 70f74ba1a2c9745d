package io.vswitch.dataplane.stats;

/** Per-port traffic counters. With {@link DropReason} they make up one counter slot. */
public enum PortCounter {
  RX_PACKETS("rx_packets"),
  RX_BYTES("rx_bytes"),
  TX_PACKETS("tx_packets"),
  TX_BYTES("tx_bytes"),
  /** Unicast frames forwarded to one known port. */
  TX_UNICAST("tx_unicast"),
  /** Frames sent as part of a flood (broadcast, multicast, unknown unicast). */
  TX_FLOOD("tx_flood"),
  /**
   * Source MACs not learned: the port reached its mac-limit or the FDB is at capacity. Not a drop
   * (the frame is still forwarded); traffic to such a MAC floods.
   */
  FDB_LEARN_REFUSED("fdb_learn_refused"),
  /** Mirrored copies sent on this port as a mirror's destination (also in tx_packets). */
  MIRROR_PACKETS("mirror_packets"),
  /** Frames received here whose L2 decision came from the worker's flow cache (OVS's EMC hits). */
  FLOW_CACHE_HITS("flow_cache_hits"),
  /**
   * Frames received here that looked in the flow cache and took the full path (a new flow, or the
   * FDB, the tables or the second moved since the decision).
   */
  FLOW_CACHE_MISSES("flow_cache_misses");

  private final String label;

  PortCounter(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
