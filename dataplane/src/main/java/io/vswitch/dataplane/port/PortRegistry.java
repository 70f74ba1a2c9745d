package io.vswitch.dataplane.port;

import io.vswitch.ffm.Mempool;
import java.util.Map;
import java.util.TreeMap;

/**
 * The port factories by {@link PortSpec#kind}: itself a factory that opens each spec with the one
 * registered for its kind. Immutable; {@link #with} returns a copy with one more kind, so a runtime
 * keeps the set it was opened with.
 */
public final class PortRegistry implements PortFactory {
  /** DPDK ethdevs only: what every switch opens unless it is given another registry. */
  public static final PortRegistry DEFAULT =
      new PortRegistry(Map.of(PortSpec.KIND_DPDK, DpdkPort::open));

  private final Map<String, PortFactory> byKind;

  private PortRegistry(Map<String, PortFactory> byKind) {
    this.byKind = Map.copyOf(byKind);
  }

  /** This registry plus {@code factory} for {@code kind} (replacing any it had). */
  public PortRegistry with(String kind, PortFactory factory) {
    Map<String, PortFactory> more = new TreeMap<>(byKind);
    more.put(kind, factory);
    return new PortRegistry(more);
  }

  /** The factory for {@code kind}; fails, naming the known kinds, when there is none. */
  public PortFactory factory(String kind) {
    PortFactory factory = byKind.get(kind);
    if (factory == null) {
      throw new IllegalArgumentException(
          "no port kind '"
              + kind
              + "' (known: "
              + String.join(", ", new TreeMap<>(byKind).keySet())
              + ")");
    }
    return factory;
  }

  @Override
  public Port open(PortSpec spec, int index, int workers, Mempool pool) {
    return factory(spec.kind()).open(spec, index, workers, pool);
  }
}
