package io.vswitch.control.distributed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.control.plane.ConfigJson;
import io.vswitch.control.plane.ControlAgent;
import io.vswitch.control.plane.ControlPlane;
import io.vswitch.dataplane.l2.FdbClock;
import io.vswitch.dataplane.l2.L2Switch;
import io.vswitch.dataplane.l2.MacAddress;
import io.vswitch.dataplane.l2.overlay.VxlanPort;
import io.vswitch.dataplane.port.Port;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * vMotion's belt and braces through etcd: the RARP the new host floods ({@code RarpAnnouncer})
 * moves every FDB by learning, and this makes sure no host keeps a stale entry should that frame be
 * lost. When another host's record starts listing a port with MAC M (the port's configured {@code
 * mac:}: a MAC a VM merely sent, in a RARP or otherwise, is never published and so never trusted
 * here), this host drops each learned entry for M that does not point at that host: one on a local
 * port, an uplink, or the tunnel to another VTEP. The next frame for M floods and is learned where
 * M really is. If this host still has a port configured with M, the MAC is on two hosts at once:
 * that is logged and counted ({@link #duplicates}), and the local entry stays. A static entry is
 * never touched (it is the operator's: logged).
 *
 * <p>Which tunnel leads to a host: each host adds {@code mobility: {vtep: ADDRESS}} to its record
 * (its overlay VTEP address); a tunnel port whose remote VTEP is that address points at it.
 *
 * <p>{@link #observe} runs on the etcd thread once a second; the FDB work is handed to the control
 * agent (the FDB's only writer for removals).
 */
public final class PortMobility implements DistributedSwitch.HostRecords {
  private final String self;
  private final ControlPlane plane;
  private final ControlAgent agent;
  private final PrintStream log;

  /** "host|mac" pairs listed by other hosts last round. */
  private Set<String> listed = new HashSet<>();

  private final AtomicLong removed = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();

  private record Arrival(String host, String port, long mac, String vtep) {}

  public PortMobility(String self, ControlPlane plane, ControlAgent agent, PrintStream log) {
    this.self = self;
    this.plane = plane;
    this.agent = agent;
    this.log = log;
  }

  @Override
  public void contribute(ObjectNode record) {
    String vtep = vtep(plane.running());
    if (vtep != null) {
      record.putObject("mobility").put("vtep", vtep);
    }
  }

  private static String vtep(SwitchConfig cfg) {
    if (cfg.overlay() == null || cfg.overlay().vtep() == null) {
      return null;
    }
    String address = cfg.overlay().vtep().address();
    return address == null ? null : address.split("/")[0];
  }

  @Override
  public void observe(Map<String, String> records) {
    Set<String> now = new HashSet<>();
    List<Arrival> arrivals = new ArrayList<>();
    for (Map.Entry<String, String> e : records.entrySet()) {
      if (e.getKey().equals(self)) {
        continue;
      }
      JsonNode record;
      try {
        record = ConfigJson.MAPPER.readTree(e.getValue());
      } catch (Exception bad) {
        continue; // not a record this version writes: nothing to trust in it
      }
      JsonNode v = record.path("mobility").path("vtep");
      String vtep = v.isTextual() ? v.asText() : record.path("vtep").asText(null);
      for (JsonNode port : record.path("ports")) {
        String mac = port.path("mac").asText("");
        long parsed;
        try {
          parsed = MacAddress.parse(mac);
        } catch (RuntimeException notAMac) {
          continue;
        }
        String key = e.getKey() + "|" + parsed;
        now.add(key);
        if (!listed.contains(key)) {
          arrivals.add(new Arrival(e.getKey(), port.path("name").asText(""), parsed, vtep));
        }
      }
    }
    if (!arrivals.isEmpty()) {
      try {
        agent.submit(
            () -> {
              arrivals.forEach(this::settle);
              return null;
            });
      } catch (RejectedExecutionException busy) {
        return; // not judged: the next round sees them as new again
      }
    }
    listed = now;
  }

  /** Control thread: this host's FDB and ports against one arrival elsewhere. */
  private void settle(Arrival a) {
    L2Switch l2 = plane.l2();
    if (l2 == null) {
      return;
    }
    String mac = MacAddress.format(a.mac());
    Map<Integer, Port> byIndex = new HashMap<>();
    for (Port p : plane.runtime().ports()) {
      byIndex.put(p.index(), p);
    }
    Set<Integer> configured = new HashSet<>();
    for (SwitchConfig.Port p : plane.running().ports()) {
      if (p.mac() != null && MacAddress.parse(p.mac()) == a.mac()) {
        duplicates.incrementAndGet();
        log.printf(
            "vswitch: warning: mobility: %s is on host %s (port %s) and on this host's port %s:"
                + " a duplicate MAC (the VM was not removed here, or two VMs share it)%n",
            mac, a.host(), a.port(), p.name());
        byIndex.values().stream()
            .filter(q -> q.name().equals(p.name()))
            .forEach(q -> configured.add(q.index()));
      }
    }
    List<long[]> stale = new ArrayList<>();
    List<String> kept = new ArrayList<>();
    l2.fdb()
        .forEach(
            FdbClock.nowSeconds(),
            (vlan, m, port, age) -> {
              if (m != a.mac()) {
                return;
              }
              Port p = byIndex.get(port);
              String where = p == null ? "#" + port : p.name();
              if (age < 0) {
                kept.add("static entry on " + where + " (vlan " + vlan + ")");
              } else if (configured.contains(port)) {
                return; // the duplicate, reported above
              } else if (p instanceof VxlanPort t
                  && a.vtep() != null
                  && a.vtep().equals(ip(t.tunnel().remoteIp))) {
                return; // behind the tunnel to the host that has it: right
              } else {
                stale.add(new long[] {vlan, port});
              }
            });
    for (long[] s : stale) {
      if (l2.fdb().remove((int) s[0], a.mac())) {
        removed.incrementAndGet();
        Port p = byIndex.get((int) s[1]);
        log.printf(
            "vswitch: mobility: %s moved to host %s (port %s): removed its stale entry on %s"
                + " (vlan %d)%n",
            mac, a.host(), a.port(), p == null ? "#" + s[1] : p.name(), s[0]);
      }
    }
    for (String k : kept) {
      log.printf(
          "vswitch: warning: mobility: %s moved to host %s, but this host keeps a %s: remove it"
              + " if it is wrong%n",
          mac, a.host(), k);
    }
    log.flush();
  }

  static String ip(int address) {
    return ((address >>> 24) & 0xFF)
        + "."
        + ((address >>> 16) & 0xFF)
        + "."
        + ((address >>> 8) & 0xFF)
        + "."
        + (address & 0xFF);
  }

  /** Learned entries removed because another host listed their MAC. */
  public long staleRemoved() {
    return removed.get();
  }

  /** Times a MAC another host listed was configured on a port of this host too. */
  public long duplicates() {
    return duplicates.get();
  }
}
