package io.vswitch.dataplane.port;

import io.vswitch.ffm.Mempool;

/**
 * Opens one kind of {@link Port}: a DPDK ethdev ({@link DpdkPort#open}), and later a tunnel or a
 * test port. The switch runtime never names a port class; it asks a factory, so a new kind of port
 * is one class and one {@link PortRegistry} entry.
 */
@FunctionalInterface
public interface PortFactory {

  /**
   * Opens and configures the port (not started); on failure releases what it opened and throws.
   *
   * @param spec the operator's port
   * @param index the switch slot the port takes ({@link Port#index})
   * @param workers the number of worker threads, each of which transmits on the port
   * @param pool the switch's mbuf pool, for receive queues and copies
   */
  Port open(PortSpec spec, int index, int workers, Mempool pool);
}
