package io.vswitch.dataplane.l2;

import java.util.ArrayList;
import java.util.List;

/**
 * The immutable L2 configuration the workers switch by: a policy per port and, per VLAN, its member
 * ports (the flood list) and its promiscuous members. Built by the control plane and published
 * whole; a worker picks up a new one between bursts.
 */
public final class L2Tables {
  private static final int[] NONE = new int[0];

  private final PortPolicy[] ports;
  private final int[][] members = new int[4096][];
  private final int[][] promiscuous = new int[4096][];

  /** Policies of ports 0..n-1, every slot filled. */
  public L2Tables(List<PortPolicy> policies) {
    this(policies.toArray(PortPolicy[]::new));
  }

  /** Policies by port index; null where there is no port (a removed one's slot). */
  public L2Tables(PortPolicy[] policiesByIndex) {
    this.ports = policiesByIndex.clone();
    for (int i = 0; i < ports.length; i++) {
      if (ports[i] != null && ports[i].index != i) {
        throw new IllegalArgumentException("policy " + i + " has index " + ports[i].index);
      }
    }
    for (int vlan = 1; vlan < 4095; vlan++) {
      members[vlan] = portsWhere(vlan, false);
      promiscuous[vlan] = portsWhere(vlan, true);
    }
    members[0] = NONE;
    promiscuous[0] = NONE;
    members[4095] = NONE;
    promiscuous[4095] = NONE;
  }

  private int[] portsWhere(int vlan, boolean promiscuousOnly) {
    List<Integer> found = new ArrayList<>();
    for (PortPolicy p : ports) {
      if (p != null && p.carries(vlan) && (!promiscuousOnly || p.promiscuous)) {
        found.add(p.index);
      }
    }
    return found.isEmpty() ? NONE : found.stream().mapToInt(Integer::intValue).toArray();
  }

  /** The policy of port {@code index}; null if there is none (never for a member of a VLAN). */
  public PortPolicy port(int index) {
    return ports[index];
  }

  /** Port slots, including empty ones. */
  public int portCount() {
    return ports.length;
  }

  /** Whether port {@code index} exists and is a member of {@code vlan}. */
  public boolean carries(int index, int vlan) {
    return index < ports.length && ports[index] != null && ports[index].carries(vlan);
  }

  /** Ports of {@code vlan}, in index order: where a flood goes (less the ingress port). */
  public int[] members(int vlan) {
    return members[vlan];
  }

  /** Promiscuous ports of {@code vlan}: they also get the VLAN's unicast for others. */
  public int[] promiscuousMembers(int vlan) {
    return promiscuous[vlan];
  }
}
