package io.vswitch.control;

import io.vswitch.control.config.SwitchConfig;
import io.vswitch.dataplane.l2.L2Tables;
import io.vswitch.dataplane.l2.MacAddress;
import io.vswitch.dataplane.l2.PortPolicy;
import java.util.HashMap;
import java.util.Map;

/**
 * Compiles the validated config into the immutable tables the workers switch by: each port's VLAN
 * mode and security policy from its port group. The control plane never writes data-plane state
 * directly; it builds a new {@link L2Tables} and publishes it.
 */
public final class L2Compiler {
  private static final SwitchConfig.PortGroup DEFAULT_GROUP =
      new SwitchConfig.PortGroup("default", null, null);

  private L2Compiler() {}

  /** Tables for a switch whose ports sit in config order (at start). */
  static L2Tables compile(SwitchConfig config) {
    Map<String, Integer> positions = new HashMap<>();
    for (int i = 0; i < config.ports().size(); i++) {
      positions.put(config.ports().get(i).name(), i);
    }
    return compile(config, positions, config.ports().size());
  }

  /**
   * Tables for a running switch: {@code indexOf} gives each port's slot; a configured port with no
   * slot (not opened yet, or on its way out) gets no policy, so nothing is sent to it.
   */
  public static L2Tables compile(SwitchConfig config, Map<String, Integer> indexOf, int slots) {
    Map<String, SwitchConfig.PortGroup> groups = new HashMap<>();
    config.portGroups().forEach(g -> groups.put(g.name(), g));
    PortPolicy[] policies = new PortPolicy[slots];
    for (SwitchConfig.Port port : config.ports()) {
      Integer index = indexOf.get(port.name());
      if (index != null) {
        SwitchConfig.PortGroup group =
            port.portGroup() == null ? DEFAULT_GROUP : groups.get(port.portGroup());
        policies[index] = policy(index, port, group);
      }
    }
    return new L2Tables(policies);
  }

  private static PortPolicy policy(int index, SwitchConfig.Port port, SwitchConfig.PortGroup g) {
    SwitchConfig.Vlan vlan = g.vlan();
    PortPolicy.Builder b;
    if (vlan.mode().equals("access")) {
      b = PortPolicy.access(index, vlan.id());
    } else {
      b = PortPolicy.trunk(index, vlan.allowed().stream().mapToInt(Integer::intValue).toArray());
      if (vlan.nativeVlan() != null) {
        b.nativeVlan(vlan.nativeVlan(), vlan.nativeTagged());
      }
    }
    SwitchConfig.Security s = g.security();
    return b.mac(port.mac() == null ? MacAddress.NONE : MacAddress.parse(port.mac()))
        .promiscuous(s.promiscuous().equals("accept"))
        .macChanges(s.macChanges().equals("accept"))
        .forgedTransmits(s.forgedTransmits().equals("accept"))
        .learning(port.learning())
        .build();
  }
}
