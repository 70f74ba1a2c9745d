package io.vswitch.control;

import io.vswitch.control.lacp.LacpGroup;
import io.vswitch.control.lacp.LacpMember;
import io.vswitch.control.lacp.Lacpdu;
import io.vswitch.control.lacp.MarkerPdu;
import io.vswitch.dataplane.SwitchRuntime;
import io.vswitch.dataplane.l2.L2Switch;
import io.vswitch.dataplane.l2.team.SlowProtocolRing;
import io.vswitch.dataplane.l2.team.Team;
import io.vswitch.dataplane.port.DpdkPort;
import io.vswitch.dataplane.port.Port;
import io.vswitch.ffm.Mbuf;
import io.vswitch.ffm.NativeMemory;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * LACP for the team monitor, on the control thread each tick: the LACPDUs the workers punted into
 * each LACP team's ring go to the team's {@link LacpGroup}, whose machines then step with each
 * member's link (DPDK's, and for a kernel interface under AF_XDP or pcap its {@code
 * /sys/class/net/IF/carrier} too, since net_af_xdp reports its link up whatever the cable does: a
 * cut link is out within a tick, not after the 3 s LACP timeout); the LACPDUs it wants sent go to
 * worker 0 through {@link L2Switch#injector}, from the member port's own MAC. The verdict per
 * member (distributing) is the team's health, and collecting goes to the workers. A group lives as
 * long as its team keeps its name, members, actor settings and system ID.
 */
final class LacpDriver {
  private final SwitchRuntime runtime;
  private final L2Switch l2;
  private final PrintStream log;
  private final Map<String, Entry> groups = new HashMap<>();
  private final byte[] frame = new byte[Lacpdu.FRAME_LENGTH];
  private long injectFailures;

  private record Entry(Team.Lacp settings, List<String> members, LacpGroup group) {}

  LacpDriver(SwitchRuntime runtime, L2Switch l2, PrintStream log) {
    this.runtime = runtime;
    this.l2 = l2;
    this.log = log;
  }

  /** One LACP step for {@code team}; returns each member's health (distributing). */
  boolean[] step(Team team, Map<Integer, Port> ports, long now) {
    LacpGroup group = group(team, ports);
    boolean[] linkUp = new boolean[team.size()];
    if (group == null) {
      return linkUp; // no member open yet: no system ID to speak with
    }
    SlowProtocolRing ring = team.slowProtocols();
    ring.drain(
        (slot, data, offset, captured, length) -> {
          int m = team.ordinalOf(slot);
          if (m >= 0) {
            group.receive(m, data, offset, captured, length, now);
          }
        },
        SlowProtocolRing.SLOTS);
    for (int m = 0; m < team.size(); m++) {
      Port port = team.slot(m) < 0 ? null : ports.get(team.slot(m));
      linkUp[m] = port != null && PortLink.up(port);
    }
    LacpMember.Mux[] before = new LacpMember.Mux[team.size()];
    for (int m = 0; m < team.size(); m++) {
      before[m] = group.member(m).mux();
    }
    group.tick(
        now,
        linkUp,
        new LacpGroup.Sender() {
          @Override
          public void send(int m, Lacpdu pdu) {
            inject(team, m, ports, f -> pdu.encode(f, mac(team, m, ports)));
          }

          @Override
          public void sendMarker(int m, MarkerPdu response) {
            inject(team, m, ports, f -> response.encode(f, mac(team, m, ports)));
          }
        });
    boolean[] distributing = new boolean[team.size()];
    boolean[] collecting = new boolean[team.size()];
    Team.LacpView[] views = new Team.LacpView[team.size()];
    for (int m = 0; m < team.size(); m++) {
      LacpMember member = group.member(m);
      distributing[m] = member.distributing();
      collecting[m] = member.collecting();
      views[m] = group.view(m);
      if (member.mux() != before[m]) {
        log.printf(
            "vswitch: team %s: member %s lacp %s -> %s (receive %s, partner %s key %d)%n",
            team.name,
            team.memberName(m),
            before[m],
            member.mux(),
            member.receive(),
            io.vswitch.dataplane.l2.MacAddress.format(member.partner().system()),
            member.partner().key());
      }
    }
    team.setCollecting(collecting);
    team.publishLacp(views);
    return distributing;
  }

  private LacpGroup group(Team team, Map<Integer, Port> ports) {
    long system = team.lacp.system();
    if (system == 0) {
      for (int m = 0; m < team.size() && system == 0; m++) {
        if (ports.get(team.slot(m)) instanceof DpdkPort dpdk) {
          system = dpdk.mac();
        }
      }
    }
    if (system == 0) {
      return null;
    }
    List<String> members = new java.util.ArrayList<>();
    for (int m = 0; m < team.size(); m++) {
      members.add(team.memberName(m));
    }
    Entry entry = groups.get(team.name);
    LacpGroup.Actor actor = LacpGroup.Actor.of(team.lacp, system);
    if (entry == null
        || !entry.settings.equals(team.lacp)
        || !entry.members.equals(members)
        || !entry.group.actor().equals(actor)) {
      entry = new Entry(team.lacp, members, new LacpGroup(actor, team.size()));
      groups.put(team.name, entry);
      log.printf(
          "vswitch: team %s: lacp %s, system %d/%s, key %d%n",
          team.name,
          actor.active() ? "active" : "passive",
          actor.systemPriority(),
          io.vswitch.dataplane.l2.MacAddress.format(actor.system()),
          actor.key());
    }
    return entry.group;
  }

  private static long mac(Team team, int m, Map<Integer, Port> ports) {
    return ports.get(team.slot(m)) instanceof DpdkPort dpdk ? dpdk.mac() : 0;
  }

  /** A slow-protocol frame, written by {@code encoder} into the scratch frame, out of member m. */
  private void inject(
      Team team,
      int m,
      Map<Integer, Port> ports,
      java.util.function.ToIntFunction<byte[]> encoder) {
    int slot = team.slot(m);
    if (!(ports.get(slot) instanceof DpdkPort)) {
      return;
    }
    int length = encoder.applyAsInt(frame);
    MemorySegment pool = runtime.pool().segment();
    long mbuf = Mbuf.alloc(pool);
    if (mbuf == 0) {
      injectFailures++;
      return;
    }
    long at = Mbuf.append(mbuf, length);
    if (at == 0) {
      Mbuf.free(mbuf);
      injectFailures++;
      return;
    }
    MemorySegment.copy(frame, 0, NativeMemory.ALL, ValueLayout.JAVA_BYTE, at, length);
    Mbuf.setLength(mbuf, length);
    if (!l2.injector().offer(slot, mbuf)) {
      Mbuf.free(mbuf);
      injectFailures++;
    }
  }

  /**
   * Slow-protocol frames (LACPDUs, Marker Responses) that could not be made or queued (no mbuf,
   * ring full).
   */
  long injectFailures() {
    return injectFailures;
  }

  /** Forgets the groups of teams that are gone. */
  void retain(List<Team> teams) {
    groups.keySet().retainAll(teams.stream().map(t -> t.name).toList());
  }

  @Override
  public String toString() {
    return "lacp " + Arrays.toString(groups.keySet().toArray());
  }
}
