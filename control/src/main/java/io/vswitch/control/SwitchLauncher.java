package io.vswitch.control;

import io.vswitch.control.config.ConntrackSpecs;
import io.vswitch.control.config.IpfixSpecs;
import io.vswitch.control.config.OverlaySpecs;
import io.vswitch.control.config.PortPreparation;
import io.vswitch.control.config.PortTypes;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.control.config.TeamSpecs;
import io.vswitch.dataplane.RuntimeSpec;
import io.vswitch.dataplane.SwitchRuntime;
import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.acl.AclRule;
import io.vswitch.dataplane.conntrack.ConntrackTable;
import io.vswitch.dataplane.l2.Fdb;
import io.vswitch.dataplane.l2.FdbClock;
import io.vswitch.dataplane.l2.L2Agent;
import io.vswitch.dataplane.l2.L2Switch;
import io.vswitch.dataplane.l2.L2Tables;
import io.vswitch.dataplane.l2.MacAddress;
import io.vswitch.dataplane.l2.PortPolicy;
import io.vswitch.dataplane.l2.overlay.VtepUplink;
import io.vswitch.dataplane.l2.overlay.VxlanPort;
import io.vswitch.dataplane.port.DpdkPort;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.port.PortRegistry;
import io.vswitch.dataplane.port.PortSpec;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.xconnect.CrossConnectAgent;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Builds the data plane a validated config describes: a patch panel or an L2 switch. */
public final class SwitchLauncher {
  private SwitchLauncher() {}

  /**
   * Port slots of an L2 switch: room for ports added while it runs, twice the ports a switch may
   * have ({@code ConfigLimits.MAX_PORTS}), since a removed port keeps its slot until the workers
   * let go of it. The tables keep port sets as 64-bit masks, so this is also their limit.
   */
  static final int L2_PORT_CAPACITY = io.vswitch.dataplane.l2.L2Tables.MAX_PORTS;

  public static PortSpec portSpec(SwitchConfig.Port p) {
    return new PortSpec(
        p.name(),
        PortTypes.devargs(p),
        p.rxQueues(),
        p.rxDescriptors(),
        p.txDescriptors(),
        p.mtuOrDefault());
  }

  static RuntimeSpec runtimeSpec(SwitchConfig config, Path counterFile) {
    List<PortSpec> ports = new ArrayList<>();
    config.ports().stream().map(SwitchLauncher::portSpec).forEach(ports::add);
    for (OverlaySpecs.Tunnel t : OverlaySpecs.tunnels(config)) {
      ports.add(OverlaySpecs.portSpec(config, t)); // after the configured ports, as ports(config)
    }
    // The last slots of the tables are the teams' (TeamSpecs.slot): no port or tunnel gets them.
    int capacity = config.crossConnectMode() ? 0 : TeamSpecs.PORT_SLOTS;
    return new RuntimeSpec(
        ports, config.workers().cores(), config.workers().idle(), counterFile, 0, capacity);
  }

  /**
   * Index slots the control thread's conntrack sweep visits per housekeeping round (a second): a
   * 1M-connection table's 8M slots in half a minute. Expired entries are already misses for the
   * workers, so the sweep only has to keep up with churn.
   */
  static final long CONNTRACK_SWEEP_SLOTS = 1 << 18;

  /** The running data plane and what the control thread does for it while it runs. */
  public record Running(
      SwitchRuntime runtime, L2Switch l2, LearnRefusals refusals, AtomicLong agedOut) {
    Running(SwitchRuntime runtime, L2Switch l2) {
      this(runtime, l2, new LearnRefusals(runtime.portCapacity(), System.err), new AtomicLong());
    }

    /** Periodic control-thread work: FDB aging, and a log line for MACs the FDB refused. */
    public void housekeeping() {
      if (l2 != null) {
        agedOut.addAndGet(l2.age()); // for vswitch_fdb_aged_out_total
        l2.sweepConnections(CONNTRACK_SWEEP_SLOTS);
        refusals.check(runtime);
      }
    }

    public void close() {
      if (l2 != null) {
        l2.close();
      }
    }
  }

  public static Running open(SwitchConfig config, Path counterFile) {
    for (SwitchConfig.Port port : config.ports()) {
      PortPreparation.beforeOpen(port);
    }
    try {
      return config.crossConnectMode()
          ? new Running(openCrossConnect(config, counterFile), null)
          : openL2(config, counterFile);
    } catch (RuntimeException e) {
      throw PortPreparation.explainFailedOpen(config.ports(), e);
    }
  }

  private static SwitchRuntime openCrossConnect(SwitchConfig config, Path counterFile) {
    Map<String, String> peerName = new HashMap<>();
    for (List<String> pair : config.crossConnect()) {
      peerName.put(pair.get(0), pair.get(1));
      peerName.put(pair.get(1), pair.get(0));
    }
    return SwitchRuntime.open(
        runtimeSpec(config, counterFile),
        w ->
            new CrossConnectAgent(
                w.worker(), w.queues(), peers(w.ports(), peerName), w.counters()));
  }

  private static Running openL2(SwitchConfig config, Path counterFile) {
    Fdb fdb = new Fdb(config.fdb().capacity(), config.fdb().agingSeconds());
    // The table is made only when a rule needs it: at 1M connections it is ~160 MB.
    ConntrackTable conntrack =
        config.conntrack().enabled() && config.usesCtState()
            ? ConntrackSpecs.table(config.conntrack())
            : null;
    L2Switch l2 =
        new L2Switch(fdb, conntrack, IpfixSpecs.caches(config), L2Compiler.compile(config));
    // Tables sized for every slot, so that ports added later fit without a resize.
    Map<String, Integer> positions = new HashMap<>();
    for (int i = 0; i < config.ports().size(); i++) {
      positions.put(config.ports().get(i).name(), i);
    }
    List<OverlaySpecs.Tunnel> tunnels = OverlaySpecs.tunnels(config);
    for (int t = 0; t < tunnels.size(); t++) {
      positions.put(tunnels.get(t).name(), config.ports().size() + t);
    }
    l2.publish(L2Compiler.compile(config, positions, L2_PORT_CAPACITY));
    try {
      Map<String, Integer> index = positions;
      for (SwitchConfig.StaticEntry e : config.fdb().entries()) {
        fdb.addStatic(
            e.vlan(), MacAddress.parse(e.mac()), L2Compiler.slotOf(config, e.port(), index));
      }
      prefill(fdb, config.fdb().prefill());
      SwitchRuntime runtime =
          SwitchRuntime.open(
              runtimeSpec(config, counterFile),
              w ->
                  new L2Agent(
                      w.worker(), w.queues(), w.ports(), w.counters(), l2, w.pool().segment()),
              ports(config, l2));
      return new Running(runtime, l2);
    } catch (RuntimeException e) {
      l2.close();
      throw e;
    }
  }

  /**
   * The port kinds of an L2 switch: DPDK ethdevs, and with an overlay its tunnel ports ({@link
   * VxlanPort}), which send on the VTEP's port as it is at each burst.
   */
  static PortRegistry ports(SwitchConfig config, L2Switch l2) {
    if (config.overlay() == null) {
      return PortRegistry.DEFAULT;
    }
    // The VTEP's port, or its team's carrying member, as the published tables say at each burst.
    VtepUplink uplink = new VtepUplink(l2::tables);
    // The VTEP changes live: a tunnel port opened later (a discovered or newly listed remote VTEP,
    // or every tunnel after a VTEP change) encapsulates with the VTEP whose next-hop cache the
    // control plane took last, and finds its remote in its own spec.
    OverlaySpecs.neighbors(config.overlay());
    return PortRegistry.DEFAULT
        .with(
            PortSpec.KIND_DPDK,
            (spec, index, workers, pool) -> {
              Port port = DpdkPort.open(spec, index, workers, pool);
              uplink.opened(port);
              return port;
            })
        .with(
            OverlaySpecs.PORT_KIND,
            (spec, index, workers, pool) -> {
              io.vswitch.control.config.Overlay vtep = OverlaySpecs.currentVtep();
              return new VxlanPort(
                  spec.name(),
                  index,
                  workers,
                  L2Compiler.tunnel(
                      vtep,
                      OverlaySpecs.tunnelOf(vtep, spec.name(), spec.devargs()),
                      OverlaySpecs.localIp(vtep),
                      OverlaySpecs.localMac(vtep)),
                  OverlaySpecs.neighbors(vtep),
                  uplink,
                  pool.segment());
            });
  }

  /** Synthetic static entries: 06:00:xx:xx:xx:xx (locally administered), VLANs 1..4094. */
  private static void prefill(Fdb fdb, Integer count) {
    for (long i = 0; count != null && i < count; i++) {
      fdb.addStatic((int) (i % 4094) + 1, 0x0600_0000_0000L | i, 0);
    }
  }

  private static List<Port> peers(List<Port> ports, Map<String, String> peerName) {
    Map<String, Port> byName = new HashMap<>();
    ports.forEach(p -> byName.put(p.name(), p));
    List<Port> peerOf = new ArrayList<>();
    for (Port port : ports) {
      peerOf.add(byName.get(peerName.get(port.name())));
    }
    return peerOf;
  }

  /** The exit report: the switch's counters and the devices' own, then drops by reason. */
  static void printReport(Running running, PrintStream out) {
    SwitchRuntime runtime = running.runtime();
    out.printf(
        "%-16s %14s %14s %10s %14s %14s %10s%n",
        "port", "rx_packets", "tx_packets", "drops", "dev_rx", "dev_tx", "dev_missed");
    for (SwitchRuntime.PortReport r : runtime.report()) {
      out.printf(
          "%-16s %14d %14d %10d %14d %14d %10d%n",
          r.name(),
          r.rxPackets(),
          r.txPackets(),
          r.drops(),
          r.device().rxPackets(),
          r.device().txPackets(),
          r.device().rxMissed());
    }
    CounterFile counters = runtime.counters();
    for (Port port : runtime.ports()) {
      for (DropReason reason : DropReason.values()) {
        long n = counters.sum(port.index(), reason);
        if (n > 0) {
          out.printf("drop %-16s %-20s %d%n", port.name(), reason.label(), n);
        }
      }
      long refused = counters.sum(port.index(), PortCounter.FDB_LEARN_REFUSED);
      if (refused > 0) {
        out.printf(
            "fdb %-17s %-20s %d%n", port.name(), PortCounter.FDB_LEARN_REFUSED.label(), refused);
      }
    }
    if (running.l2() != null) {
      Fdb fdb = running.l2().fdb();
      out.printf("fdb: %d entries, %d evicted%n", fdb.size(FdbClock.nowSeconds()), fdb.evictions());
      printAclHits(running.l2().tables(), out);
    }
  }

  /** Per rule (and default) of each ACL in use: priority, action, packets it decided. */
  private static void printAclHits(L2Tables tables, PrintStream out) {
    java.util.Set<Acl> seen =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (int p = 0; p < tables.portCount(); p++) {
      PortPolicy policy = tables.port(p);
      if (policy == null) {
        continue; // a removed port's slot
      }
      for (Acl acl : java.util.Arrays.asList(policy.ingressAcl(), policy.egressAcl())) {
        if (acl == null || !seen.add(acl)) {
          continue;
        }
        // per priority: a security-group rule compiles to several rules of its priority
        for (int r = 0; r < acl.rules().size(); r++) {
          AclRule rule = acl.rules().get(r);
          if (r > 0 && acl.rules().get(r - 1).priority() == rule.priority()) {
            continue;
          }
          out.printf(
              "acl %-16s priority %-8d %-5s %d%n",
              acl.name(),
              rule.priority(),
              rule.allow() ? "allow" : "deny",
              acl.hitsOfPriority(rule.priority()));
        }
        out.printf(
            "acl %-16s default %-9s %-5s %d%n",
            acl.name(), "", acl.defaultAllow() ? "allow" : "deny", acl.hits(acl.rules().size()));
      }
    }
  }
}
