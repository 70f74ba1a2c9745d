package io.vswitch.control;

import io.vswitch.control.config.SwitchConfig;
import io.vswitch.dataplane.SwitchRuntime;
import io.vswitch.dataplane.l2.Fdb;
import io.vswitch.dataplane.l2.FdbClock;
import io.vswitch.dataplane.l2.L2Switch;
import io.vswitch.dataplane.l2.L2Tables;
import io.vswitch.dataplane.l2.MacAddress;
import io.vswitch.dataplane.l2.PortPolicy;
import io.vswitch.dataplane.l2.VlanMode;
import io.vswitch.dataplane.l2.overlay.VxlanPort;
import io.vswitch.dataplane.l2.team.Team;
import io.vswitch.dataplane.l2.team.TeamFrames;
import io.vswitch.dataplane.port.Port;
import io.vswitch.ffm.Mbuf;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * ESXi's "notify switches" for a VM that starts running behind a port (vMotion's switch-over, a
 * live {@code add-port}, a config apply, the switch's start), which is when the port's link comes
 * up: a port made before its VM runs here (ESXi's order: the destination's port first, the
 * switch-over seconds later) is announced at the switch-over, not before, and again whenever its
 * link comes back. The port's MAC goes out as a RARP (RFC 903 request-reverse, source = the VM's
 * MAC, to broadcast) flooded into the port's VLAN as if the VM had sent it, out of every other port
 * of the flood domain: local ports, uplinks and teams (the team's member that carries that MAC, so
 * the physical switches learn it on the right link) and the segment's VXLAN tunnel ports (so each
 * remote host learns MAC -&gt; this host's VTEP). This host's own FDB takes the MAC on the new port
 * at once (a stale entry behind the tunnel to the old host is replaced).
 *
 * <p>The MAC is the port's configured {@code mac:}; a port added live without one is announced with
 * the first source MAC the workers learn on it (looked for during {@link #LEARN_WINDOW_NANOS}; at
 * start only configured MACs are announced). The RARP goes out {@link #SCHEDULE_MS}: 0, 100, 300
 * and 1000 ms after the link came up, so one lost frame, or a tunnel whose next hop this host had
 * not resolved yet, does not leave a remote FDB stale.
 *
 * <p>Runs on the control agent every {@link #TICK_MS} ms (the thread TeamMonitor runs on: the
 * {@link io.vswitch.dataplane.l2.TxInjector} ring has one producer). Frames reach the wire through
 * that ring, which worker 0 drains onto its transmit buffers; nothing is added to the data plane.
 */
final class RarpAnnouncer {
  static final int TICK_MS = 20;

  /** When each RARP of an announcement goes out, after the port appeared. */
  static final int[] SCHEDULE_MS = {0, 100, 300, 1000};

  /** How long a port without a configured MAC is watched for its first learned one. */
  static final long LEARN_WINDOW_NANOS = 60_000_000_000L;

  private static final long LEARN_LOOK_NANOS = 200_000_000L;

  private final SwitchRuntime runtime;
  private final L2Switch l2;
  private final Supplier<SwitchConfig> config;
  private final PrintStream log;

  /** Ports seen (by identity: a port removed and added again is a new object), and their state. */
  private final Map<Port, Announcement> seen = new IdentityHashMap<>();

  /** False until the first poll: the ports the switch started with. */
  private boolean started;

  private long announced;
  private long framesSent;
  private long injectFailures;

  private static final class Announcement {
    /** When the port's link came up (the VM started running here): the schedule's zero. */
    long appearedNanos;

    final boolean atStart;

    /** The link was down at the last look (or has not been seen up yet): announce when it is up. */
    boolean awaitingLink = true;

    long mac = MacAddress.NONE;
    int vlan = -1;
    int sent;
    boolean done;
    long lastLookNanos;

    /** The MAC is the port's configured {@code mac:} (not one learned on it). */
    boolean configured;

    /** This host's FDB was found with the MAC behind a tunnel, and took it back (logged once). */
    boolean tookBack;

    Announcement(long now, boolean atStart) {
      this.appearedNanos = now;
      this.atStart = atStart;
    }

    /** The link came up: a new arrival, announced from now, its MAC looked for again. */
    void restart(long now) {
      appearedNanos = now;
      awaitingLink = false;
      mac = MacAddress.NONE;
      vlan = -1;
      sent = 0;
      done = false;
      lastLookNanos = 0;
      configured = false;
      tookBack = false;
    }
  }

  RarpAnnouncer(
      SwitchRuntime runtime, L2Switch l2, Supplier<SwitchConfig> config, PrintStream log) {
    this.runtime = runtime;
    this.l2 = l2;
    this.config = config;
    this.log = log;
  }

  /** One look at the ports. Control thread. */
  void poll() {
    L2Tables tables = l2.tables();
    SwitchConfig cfg = config.get();
    long now = System.nanoTime();
    List<Port> ports = runtime.ports();
    seen.keySet().retainAll(identitySet(ports));
    String vtepPort =
        cfg.overlay() == null || cfg.overlay().vtep() == null ? null : cfg.overlay().vtep().port();
    for (Port port : ports) {
      Announcement a = seen.get(port);
      if (a == null) {
        if (!candidate(port, tables, vtepPort)) {
          continue;
        }
        a = new Announcement(now, !started);
        seen.put(port, a);
      }
      // A VM runs behind the port while its link is up: a vhost-user port's once the guest's
      // virtio device is ready, which a migration's destination reaches at the switch-over, not
      // when its port is made; an afpacket or afxdp port's while its interface has carrier.
      if (!PortLink.up(port)) {
        // No VM runs behind it (yet, or any more): nothing to announce or keep on it.
        a.awaitingLink = true;
        continue;
      }
      if (a.awaitingLink) {
        a.restart(now);
      }
      if (a.done) {
        keepLocal(port, a, tables, cfg, ports);
        continue;
      }
      PortPolicy policy = tables.port(port.index());
      if (policy == null) {
        continue; // tables and runtime disagree for a moment (being added or removed)
      }
      if (a.mac == MacAddress.NONE && !identify(a, port, policy, cfg, now)) {
        if (now - a.appearedNanos > LEARN_WINDOW_NANOS) {
          a.done = true; // no traffic from it: nothing to announce
        }
        continue;
      }
      while (a.sent < SCHEDULE_MS.length
          && now - a.appearedNanos >= SCHEDULE_MS[a.sent] * 1_000_000L) {
        if (a.sent == 0) {
          adoptLocally(tables, port, policy, a);
        }
        int frames = flood(tables, port.index(), a.vlan, a.mac);
        if (a.sent == 0) {
          announced++;
          log.printf(
              "vswitch: announced %s on port %s (vlan %d) with a RARP out of %d ports%n",
              MacAddress.format(a.mac), port.name(), a.vlan, frames);
          log.flush();
        }
        a.sent++;
      }
      a.done = a.sent == SCHEDULE_MS.length;
      if (a.sent > 0) {
        keepLocal(port, a, tables, cfg, ports);
      }
    }
    started = true;
  }

  /**
   * A VM's configured MAC stays on its port here while the port's link is up (the VM runs here;
   * once it went down the VM may run elsewhere, and the MAC is left to learning), as an ESXi
   * vSwitch knows its vNICs' MACs rather than learning them: a frame from that MAC arriving through
   * a tunnel (another host that still has the VM's port, between ESXi's destination start and
   * source stop) moves the learned entry behind the tunnel, and once the other host let go, every
   * frame for the VM would go to a host that no longer has it until the VM itself spoke again (a VM
   * waiting for a reply never does: its peer's retransmissions all went to the tunnel). Checked
   * every tick, so the local port wins within {@link #TICK_MS} ms. A static entry elsewhere is left
   * alone.
   *
   * <p>The MAC and VLAN are the port's as they are now, not as announced: a live {@code
   * set-port-group} or {@code mac:} change would otherwise have this look in the old VLAN while the
   * tunnel took the entry in the new one.
   */
  private void keepLocal(
      Port port, Announcement a, L2Tables tables, SwitchConfig cfg, List<Port> ports) {
    if (!a.configured) {
      return;
    }
    PortPolicy policy = tables.port(port.index());
    long mac = configuredMac(cfg, port);
    if (policy == null || policy.mode() != VlanMode.ACCESS || mac == MacAddress.NONE) {
      return; // a trunk's VLANs, or a MAC no longer configured: left to learning
    }
    Fdb fdb = l2.fdb();
    long key = Fdb.key(policy.vlans().nextSetBit(0), mac);
    long seconds = FdbClock.nowSeconds();
    int at = fdb.lookup(key, seconds);
    if (at == Fdb.MISS || at == port.index() || !isTunnel(at, ports)) {
      return;
    }
    fdb.learn(key, port.index(), seconds);
    if (!a.tookBack && fdb.lookup(key, seconds) == port.index()) {
      a.tookBack = true;
      log.printf(
          "vswitch: %s was learned behind tunnel port #%d while its port %s is on this host: kept"
              + " on port %s%n",
          MacAddress.format(mac), at, port.name(), port.name());
      log.flush();
    }
  }

  /** The port's {@code mac:} in the config, or {@link MacAddress#NONE}. */
  private static long configuredMac(SwitchConfig cfg, Port port) {
    for (SwitchConfig.Port p : cfg.ports()) {
      if (p.name().equals(port.name()) && p.mac() != null) {
        return MacAddress.parse(p.mac());
      }
    }
    return MacAddress.NONE;
  }

  private static boolean isTunnel(int index, List<Port> ports) {
    for (Port p : ports) {
      if (p.index() == index) {
        return p instanceof VxlanPort;
      }
    }
    return false;
  }

  private static java.util.Set<Port> identitySet(List<Port> ports) {
    java.util.Set<Port> set = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    set.addAll(ports);
    return set;
  }

  /** A VM-facing port: not a tunnel, not an uplink team or its member, not the VTEP's uplink. */
  private static boolean candidate(Port port, L2Tables tables, String vtepPort) {
    if (port instanceof VxlanPort || port.name().equals(vtepPort)) {
      return false;
    }
    long bit = 1L << port.index();
    return port.index() < L2Tables.MAX_PORTS
        && ((tables.teamMask() | tables.teamMembers()) & bit) == 0
        && !tables.isMirrorDestination(port.index());
  }

  /**
   * The MAC (and VLAN) to announce: the configured one on an access port; otherwise (no {@code
   * mac:}, or a trunk, whose VLAN the MAC lives in only the FDB tells) the first entry learned on
   * the port, looked for at most every {@link #LEARN_LOOK_NANOS}.
   */
  private boolean identify(
      Announcement a, Port port, PortPolicy policy, SwitchConfig cfg, long now) {
    long configured = configuredMac(cfg, port);
    if (configured != MacAddress.NONE && policy.mode() == VlanMode.ACCESS) {
      a.mac = configured;
      a.vlan = policy.vlans().nextSetBit(0);
      a.configured = true;
      return true;
    }
    if (a.atStart || now - a.lastLookNanos < LEARN_LOOK_NANOS) {
      // A port the switch started with is announced only by its configured MAC: what it learns
      // at start is traffic of a switch that just came up, not a VM that just arrived.
      return false;
    }
    a.lastLookNanos = now;
    long want = configured;
    long[] found = {MacAddress.NONE, -1};
    l2.fdb()
        .forEach(
            FdbClock.nowSeconds(),
            (vlan, mac, p, age) -> {
              if (p == port.index()
                  && age >= 0
                  && found[0] == MacAddress.NONE
                  && (want == MacAddress.NONE || mac == want)) {
                found[0] = mac;
                found[1] = vlan;
              }
            });
    if (found[0] == MacAddress.NONE) {
      return false;
    }
    a.mac = found[0];
    a.vlan = (int) found[1];
    return true;
  }

  /** This host's FDB takes the MAC on the new port now, not at the VM's next frame. */
  private void adoptLocally(L2Tables tables, Port port, PortPolicy policy, Announcement a) {
    Fdb fdb = l2.fdb();
    long key = Fdb.key(a.vlan, a.mac);
    int before = fdb.lookup(key, FdbClock.nowSeconds());
    fdb.learn(key, port.index(), FdbClock.nowSeconds());
    int after = fdb.lookup(key, FdbClock.nowSeconds());
    if (after != port.index()) {
      log.printf(
          "vswitch: warning: %s stays on port #%d in this host's FDB (a static entry, or the"
              + " table is full): frames for it will not reach port %s%n",
          MacAddress.format(a.mac), after, port.name());
    } else if (before != Fdb.MISS && before != port.index()) {
      log.printf(
          "vswitch: %s moved to port %s from port #%d%n",
          MacAddress.format(a.mac), port.name(), before);
    }
  }

  /**
   * One RARP per port of the VLAN's flood domain but {@code source}; returns how many were queued.
   */
  private int flood(L2Tables tables, int source, int vlan, long mac) {
    int queued = 0;
    long members = tables.memberMask(vlan) & ~(1L << source);
    List<int[]> out = new ArrayList<>();
    for (long m = members; m != 0; m &= m - 1) {
      int p = Long.numberOfTrailingZeros(m);
      PortPolicy policy = tables.port(p);
      if (policy == null || tables.isMirrorDestination(p)) {
        continue;
      }
      int slot = p;
      if (tables.isTeam(p)) {
        Team team = tables.team(p);
        slot = team.carrierOf(team.bucket(source, mac));
        if (slot < 0) {
          continue; // no member is up
        }
      }
      out.add(new int[] {slot, policy.egressTagged(vlan) ? vlan : -1});
    }
    for (int[] o : out) {
      if (send(o[0], mac, o[1])) {
        queued++;
      }
    }
    framesSent += queued;
    return queued;
  }

  private boolean send(int slot, long mac, int tag) {
    MemorySegment pool = runtime.pool().segment();
    long mbuf = Mbuf.alloc(pool);
    if (mbuf == 0) {
      injectFailures++;
      return false;
    }
    long at = Mbuf.append(mbuf, TeamFrames.MAX_LENGTH);
    if (at == 0) {
      Mbuf.free(mbuf);
      injectFailures++;
      return false;
    }
    Mbuf.setLength(mbuf, TeamFrames.rarp(at, mac, tag));
    if (!l2.injector().offer(slot, mbuf)) {
      Mbuf.free(mbuf);
      injectFailures++;
      return false;
    }
    return true;
  }

  /** Ports announced since start. */
  long announced() {
    return announced;
  }

  /** RARPs queued since start. */
  long framesSent() {
    return framesSent;
  }

  /** RARPs that could not be made or queued (no mbuf, ring full). */
  long injectFailures() {
    return injectFailures;
  }
}
