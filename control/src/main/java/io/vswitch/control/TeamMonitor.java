package io.vswitch.control;

import io.vswitch.dataplane.SwitchRuntime;
import io.vswitch.dataplane.l2.FdbClock;
import io.vswitch.dataplane.l2.L2Switch;
import io.vswitch.dataplane.l2.L2Tables;
import io.vswitch.dataplane.l2.PortPolicy;
import io.vswitch.dataplane.l2.team.Team;
import io.vswitch.dataplane.l2.team.TeamFrames;
import io.vswitch.dataplane.port.Port;
import io.vswitch.ffm.Mbuf;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * The control side of uplink teaming, on the control agent every {@link #TICK_MS} ms: each member's
 * health from its link state ({@link PortLink}: DPDK's, and for an AF_XDP or pcap member the kernel
 * interface's carrier, since net_af_xdp reports the link up whatever the cable does) and, with
 * {@code detection: arp}, from probe replies the workers count on it ({@link Team#replies}) (for
 * what the carrier cannot see: a dead path beyond the first hop); then {@link Team#update}
 * publishes a new selection when the carriers change. A failover or failback is logged and counted
 * and, as ESXi's "notify switches", each MAC learned on a local port goes out as a RARP from the
 * member that now carries it, so the upstream relearns at once. Frames go to worker 0 through
 * {@link L2Switch#injector}.
 */
final class TeamMonitor {
  /** How often health is looked at; probes go out at their own interval (a multiple of this). */
  static final int TICK_MS = 10;

  private final SwitchRuntime runtime;
  private final L2Switch l2;
  private final PrintStream log;

  /** Per team and member: probe state, kept across republished tables of the same team. */
  private final Map<String, ProbeState> probes = new HashMap<>();

  private final Map<String, Boolean> lastUp = new HashMap<>();
  private final LacpDriver lacp;
  private long injectFailures;

  /** Replied probes in a row a member that was down needs to be up again (no flapping back). */
  static final int UP_AFTER = 2;

  private static final class ProbeState {
    long nextProbeNanos;
    long repliesAtLastProbe = -1;
    int misses;
    int streak;
    boolean down;
    boolean answeredOnce;
    long firstProbeNanos;
  }

  /**
   * A member that has never answered is not called down before this: AF_XDP resets the link as it
   * attaches, so the first probes of a starting switch go nowhere.
   */
  static final long START_GRACE_NANOS = 2_000_000_000L;

  TeamMonitor(SwitchRuntime runtime, L2Switch l2, PrintStream log) {
    this.runtime = runtime;
    this.l2 = l2;
    this.log = log;
    this.lacp = new LacpDriver(runtime, l2, log);
  }

  /** One look at every team. Control thread. */
  void poll() {
    L2Tables tables = l2.tables();
    if (tables.teams().isEmpty()) {
      return;
    }
    Map<Integer, Port> ports = new HashMap<>();
    for (Port p : runtime.ports()) {
      ports.put(p.index(), p);
    }
    long now = System.nanoTime();
    lacp.retain(tables.teams());
    for (Team team : tables.teams()) {
      boolean[] healthy = new boolean[team.size()];
      String[] why = new String[team.size()];
      boolean[] aggregated = team.lacp == null ? null : lacp.step(team, ports, now);
      for (int m = 0; m < team.size(); m++) {
        Port port = team.slot(m) < 0 ? null : ports.get(team.slot(m));
        if (port == null) {
          why[m] = "not open";
        } else if (aggregated != null) {
          Team.LacpView view = team.lacpView(m);
          why[m] = aggregated[m] ? null : "lacp " + (view == null ? "DETACHED" : view.mux());
        } else if (!PortLink.up(port)) {
          why[m] = "link down";
        } else if (team.probe != null && !probeUp(team, m, port, now)) {
          why[m] = "no reply to " + team.probe.misses() + " probes";
        }
        healthy[m] = why[m] == null;
        String key = team.name + "/" + team.memberName(m);
        Boolean before = lastUp.put(key, healthy[m]);
        if (before != null && before != healthy[m]) {
          log.printf(
              "vswitch: team %s: member %s %s%n",
              team.name, team.memberName(m), healthy[m] ? "up" : "down (" + why[m] + ")");
        }
      }
      int[] before = new int[Team.BUCKETS];
      for (int b = 0; b < Team.BUCKETS; b++) {
        before[b] = team.carrierOf(b);
      }
      int[] carriersBefore = team.carriers();
      Team.Change change = team.update(healthy);
      if (change != Team.Change.NONE) {
        log.printf(
            "vswitch: team %s: %s: %s -> %s (failovers %d, failbacks %d)%n",
            team.name,
            change.name().toLowerCase(java.util.Locale.ROOT),
            names(team, carriersBefore),
            names(team, team.carriers()),
            team.failovers(),
            team.failbacks());
        if (team.notifySwitches) {
          notifySwitches(tables, team, before);
        }
      }
      log.flush();
    }
  }

  /**
   * The probe's verdict on member m, and the next probe sent when due: a member is down once {@code
   * misses} probes in a row got no reply on it by the time the next one went out.
   */
  private boolean probeUp(Team team, int m, Port port, long now) {
    Team.Probe probe = team.probe;
    ProbeState s =
        probes.computeIfAbsent(team.name + "/" + team.memberName(m), k -> new ProbeState());
    if (now - s.nextProbeNanos >= 0) {
      long replies = team.replies(m);
      if (s.repliesAtLastProbe >= 0) {
        boolean answered = replies > s.repliesAtLastProbe;
        s.misses = answered ? 0 : s.misses + 1;
        s.streak = answered ? s.streak + 1 : 0;
        s.answeredOnce |= answered;
        boolean grace = !s.answeredOnce && now - s.firstProbeNanos < START_GRACE_NANOS;
        if (s.misses >= probe.misses() && !grace) {
          s.down = true;
        } else if (s.down && s.streak >= UP_AFTER) {
          s.down = false;
        }
      }
      if (s.repliesAtLastProbe < 0) {
        s.firstProbeNanos = now;
      }
      s.repliesAtLastProbe = replies;
      send(
          port.index(),
          probe.vlan(),
          at ->
              TeamFrames.arpRequest(at, probe.mac(), probe.source(), probe.target(), probe.vlan()));
      s.nextProbeNanos = now + probe.intervalMs() * 1_000_000L;
    }
    return !s.down;
  }

  /** A RARP, out of its new member, for each local MAC whose member the change moved. */
  private void notifySwitches(L2Tables tables, Team team, int[] before) {
    PortPolicy policy = tables.port(team.index);
    long teamsAndMembers = tables.teamMask() | tables.teamMembers();
    int[] sent = {0};
    l2.fdb()
        .forEach(
            FdbClock.nowSeconds(),
            (vlan, mac, port, age) -> {
              if (((teamsAndMembers >>> port) & 1) != 0 || !policy.carries(vlan)) {
                return; // learned on the uplink itself, or a VLAN the team does not carry
              }
              int bucket = team.bucket(port, mac);
              int slot = team.carrierOf(bucket);
              if (slot >= 0 && slot != before[bucket]) {
                int tag = policy.egressTagged(vlan) ? vlan : -1;
                send(slot, tag, at -> TeamFrames.rarp(at, mac, tag));
                sent[0]++;
              }
            });
    if (sent[0] > 0) {
      log.printf("vswitch: team %s: notified switches of %d MACs%n", team.name, sent[0]);
    }
  }

  private interface Writer {
    int write(long at);
  }

  private void send(int slot, int vlan, Writer writer) {
    MemorySegment pool = runtime.pool().segment();
    long mbuf = Mbuf.alloc(pool);
    if (mbuf == 0) {
      injectFailures++;
      return;
    }
    long at = Mbuf.append(mbuf, TeamFrames.MAX_LENGTH);
    if (at == 0) {
      Mbuf.free(mbuf);
      injectFailures++;
      return;
    }
    int length = writer.write(at);
    Mbuf.setLength(mbuf, length);
    if (!l2.injector().offer(slot, mbuf)) {
      Mbuf.free(mbuf);
      injectFailures++;
    }
  }

  /** Frames that could not be made or queued (no mbuf, ring full). */
  long injectFailures() {
    return injectFailures + lacp.injectFailures();
  }

  private static String names(Team team, int[] carriers) {
    if (carriers.length == 0) {
      return "none";
    }
    StringBuilder b = new StringBuilder();
    for (int m : carriers) {
      b.append(b.isEmpty() ? "" : ",").append(team.memberName(m));
    }
    return b.toString();
  }
}
