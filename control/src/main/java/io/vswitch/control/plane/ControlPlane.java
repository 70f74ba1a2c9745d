package io.vswitch.control.plane;

import io.vswitch.control.L2Compiler;
import io.vswitch.control.SwitchLauncher;
import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.ConfigValidator;
import io.vswitch.control.config.Confinement;
import io.vswitch.control.config.ConntrackSpecs;
import io.vswitch.control.config.OverlaySpecs;
import io.vswitch.control.config.PortPreparation;
import io.vswitch.control.config.PortTypes;
import io.vswitch.control.config.RemoteFacts;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.dataplane.SwitchRuntime;
import io.vswitch.dataplane.l2.L2Switch;
import io.vswitch.dataplane.l2.MacAddress;
import io.vswitch.dataplane.port.Port;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Owns the running configuration. Every change arrives as a whole desired config (the CLI's and the
 * API's single-item operations are edits of the running one), is validated whole, and then applied
 * as the difference from what runs: ports opened or closed, and new immutable tables compiled and
 * published to the workers (RCU). It either applies whole or leaves the switch as it was, and is
 * journaled before it is acknowledged. One change at a time: callers are serialised.
 *
 * <p>Settings the data plane only takes at start (EAL, workers, FDB capacity, cross-connect pairs)
 * are refused at run time with a message that says so.
 */
public final class ControlPlane {
  private final SwitchRuntime runtime;
  private final L2Switch l2; // null for a cross-connect
  private final Journal journal; // null: changes are not kept across restarts
  private final Confinement confinement; // what a change may reach on the host
  private SwitchConfig running;
  private long sequence; // of the change that made {@code running}: the API's ETag
  private LocalChangeGuard guard; // null: every section is this host's to change
  private Runnable applied = () -> {}; // told after each journaled change (the host record)
  private boolean distributing; // the change in progress is the distributed switch's
  private RemoteFacts remote = RemoteFacts.NONE; // what the other hosts published (not journaled)
  private PortLeaving portLeaving; // null: nobody wants a removed port's last state

  /**
   * Refuses a local change (API, CLI) to what this host does not own: the sections a distributed
   * switch keeps in etcd ({@code io.vswitch.control.distributed}).
   */
  public interface LocalChangeGuard {
    /**
     * @throws ConfigException {@code desired} changes a section this host does not own
     */
    void check(SwitchConfig running, SwitchConfig desired);
  }

  public ControlPlane(SwitchConfig running, SwitchRuntime runtime, L2Switch l2, Journal journal) {
    this(running, runtime, l2, journal, Confinement.NONE);
  }

  public ControlPlane(
      SwitchConfig running,
      SwitchRuntime runtime,
      L2Switch l2,
      Journal journal,
      Confinement confinement) {
    this.confinement = confinement;
    this.running = running;
    this.runtime = runtime;
    this.l2 = l2;
    this.journal = journal;
    this.sequence = journal == null ? 0 : journal.latest().map(ChangeRecord::sequence).orElse(0L);
  }

  /** The sequence number of the last accepted change (0 before any): what If-Match compares. */
  public synchronized long sequence() {
    return sequence;
  }

  /** The running config and the sequence of the change that made it, read together. */
  public record Snapshot(SwitchConfig config, long sequence) {}

  public synchronized Snapshot snapshot() {
    return new Snapshot(running, sequence);
  }

  /** A change computed from the running config: the new config and what it did, in words. */
  public record Change(SwitchConfig config, String description) {}

  /**
   * Computes {@code edit} from the running config and applies it under the same lock, so that two
   * concurrent edits (two rules added at once) both land: neither works from a stale config.
   */
  public synchronized ChangeRecord edit(
      java.util.function.Function<SwitchConfig, Change> edit, String source) {
    Change change = edit.apply(running);
    return apply(change.config(), source, change.description());
  }

  /**
   * Applies {@code desired} only if the running config is still the one of change {@code
   * expectedSequence} (the client's If-Match): a read-modify-write that raced another change is
   * refused, not applied over it.
   *
   * @throws ConflictException another change came first; nothing changed
   */
  public synchronized ChangeRecord applyIfAt(
      long expectedSequence,
      java.util.function.Function<SwitchConfig, Change> edit,
      String source) {
    if (expectedSequence != sequence) {
      throw new ConflictException(
          "the config changed since you read it (you had change #"
              + expectedSequence
              + ", the switch is at #"
              + sequence
              + "): read it again and redo your edit");
    }
    return edit(edit, source);
  }

  /**
   * Told of each port a change removes (not one whose device is replaced), on the control agent,
   * before its FDB entries and connections are flushed: vMotion's export of a VM's connections.
   */
  @FunctionalInterface
  public interface PortLeaving {
    /**
     * @param port the removed port's config
     * @param index its port index (its connections' port, until the flush that follows)
     * @param policy its VLAN policy while it was there (null if it had none)
     */
    void leaving(SwitchConfig.Port port, int index, io.vswitch.dataplane.l2.PortPolicy policy);
  }

  public synchronized void onPortLeaving(PortLeaving listener) {
    this.portLeaving = listener;
  }

  /**
   * From now on {@code listener} is told after each journaled change, on the control thread; it
   * must only hand work on (the distributed switch republishes this host's record at once, so a new
   * VTEP address reaches the other hosts without waiting for the heartbeat).
   */
  public synchronized void onApplied(Runnable listener) {
    this.applied = listener;
  }

  /** From now on, local changes are checked by {@code guard} (see {@link LocalChangeGuard}). */
  public synchronized void guardLocalChanges(LocalChangeGuard guard) {
    this.guard = guard;
  }

  /**
   * Applies a change of the distributed switch's shared sections, which local changes may not
   * touch; otherwise exactly as {@link #apply}: validated whole, applied whole or not at all, and
   * journaled.
   */
  public synchronized ChangeRecord applyDistributed(
      SwitchConfig desired, String source, String description) {
    distributing = true;
    try {
      return apply(desired, source, description);
    } finally {
      distributing = false;
    }
  }

  public synchronized SwitchConfig running() {
    return running;
  }

  /** What the distributed switch's other hosts published, as the tables use it now. */
  public synchronized RemoteFacts remote() {
    return remote;
  }

  /**
   * Takes new facts from the other hosts of a distributed switch (a host record appeared, changed
   * or expired): the running config is validated whole with them (so a remote host cannot make an
   * ACL too big to compile), then the difference is applied as for a change: tunnel ports opened or
   * closed, the tables recompiled (only the ACLs whose groups' addresses changed are rebuilt) and
   * published. Not journaled: these are facts about other hosts, not this host's config.
   *
   * @return whether anything changed
   * @throws ConfigException the running config is not valid with these facts; the old ones stay
   * @throws ApplyException a tunnel port could not be opened; the old facts stay
   */
  public synchronized boolean applyRemote(RemoteFacts next) {
    if (l2 == null || next.equals(remote)) {
      return false;
    }
    l2.fdb().requireControlThread("change");
    ConfigValidator.validate(running, port -> false, next);
    applyDifference(running, remote, running, next);
    remote = next;
    return true;
  }

  public SwitchRuntime runtime() {
    return runtime;
  }

  /** The L2 switch's shared state, or null for a cross-connect. */
  public L2Switch l2() {
    return l2;
  }

  public Journal journal() {
    return journal;
  }

  /**
   * Validates {@code desired} whole and applies what differs from the running config. Returns the
   * journal record, or null when nothing changed.
   *
   * @throws ConfigException the change is invalid; nothing changed
   * @throws ApplyException the change is valid but could not be carried out; nothing changed
   */
  public synchronized ChangeRecord apply(SwitchConfig desired, String source, String description) {
    if (l2 != null) {
      l2.fdb().requireControlThread("change"); // before anything moves, not half-way through
    }
    ConfigValidator.validate(desired, opening(running, desired), remote);
    confinement.checkChange(running, desired);
    if (guard != null && !distributing) {
      guard.check(running, desired);
    }
    if (desired.equals(running)) {
      return null;
    }
    requireRunTimeChangeable(desired);
    applyDifference(running, remote, desired, remote);
    ChangeRecord record;
    try {
      record = journal(desired, source, description);
    } catch (RuntimeException e) {
      applyDifference(desired, remote, running, remote); // not journaled, so not acknowledged
      throw new ApplyException("cannot journal the change, so it was undone: " + e, e);
    }
    running = desired;
    sequence = record.sequence();
    applied.run();
    return record;
  }

  private ChangeRecord journal(SwitchConfig desired, String source, String description) {
    String json = ConfigJson.write(desired);
    return journal == null
        ? new ChangeRecord(sequence + 1, System.currentTimeMillis(), source, description, json)
        : journal.append(source, description, json);
  }

  /**
   * The ports this change opens: new ones and those whose device changed. Only these are
   * host-checked; the others keep running on what they hold. Asked per port by the validator once
   * that port's type is valid, so its devargs can be compiled.
   */
  static Predicate<String> opening(SwitchConfig from, SwitchConfig desired) {
    Map<String, SwitchConfig.Port> before = byName(from.ports());
    Map<String, SwitchConfig.Port> after = byName(desired.ports());
    return name -> {
      SwitchConfig.Port old = before.get(name);
      return old == null || !sameDevice(old, after.get(name));
    };
  }

  /** Moves the data plane from {@code from} to {@code to}, or leaves it at {@code from}. */
  private void applyDifference(
      SwitchConfig from, RemoteFacts fromFacts, SwitchConfig desired, RemoteFacts toFacts) {
    Map<String, SwitchConfig.Port> before = byName(from.ports());
    Map<String, SwitchConfig.Port> after = byName(desired.ports());
    List<SwitchConfig.Port> added = new ArrayList<>();
    List<SwitchConfig.Port> replaced = new ArrayList<>();
    for (SwitchConfig.Port port : desired.ports()) {
      SwitchConfig.Port old = before.get(port.name());
      if (old == null) {
        added.add(port);
      } else if (!sameDevice(old, port)) {
        replaced.add(port);
      }
    }
    Set<String> leaving = new HashSet<>(before.keySet());
    leaving.removeAll(after.keySet());
    replaced.forEach(p -> leaving.add(p.name()));
    // Tunnel ports: one per (segment, remote VTEP), listed or discovered; a name is one tunnel.
    // One whose VNI or VLAN changed (its segment's) is closed and opened again: its encapsulation
    // is fixed when it opens (a changed encapsulation renames the tunnel, vxlan.* to geneve.*, so
    // it closes and opens the same way), and the remote MACs learned on it belong to the old
    // segment. A VTEP change (address, UDP ports, TTL, neighbors) reopens every tunnel: each
    // encapsulates with it, and the fresh next-hop cache renumbers the hops; their learned MACs go
    // (relearned).
    boolean vtepChanged = OverlaySpecs.vtepChanged(from, desired);
    Map<String, OverlaySpecs.Tunnel> tunnelsBefore = new HashMap<>();
    OverlaySpecs.tunnels(from, fromFacts).forEach(t -> tunnelsBefore.put(t.name(), t));
    List<OverlaySpecs.Tunnel> tunnelsAdded = new ArrayList<>();
    List<OverlaySpecs.Tunnel> tunnelsReplaced = new ArrayList<>();
    Set<String> tunnelsAfter = new HashSet<>();
    for (OverlaySpecs.Tunnel t : OverlaySpecs.tunnels(desired, toFacts)) {
      tunnelsAfter.add(t.name());
      OverlaySpecs.Tunnel old = tunnelsBefore.get(t.name());
      if (old == null) {
        tunnelsAdded.add(t);
      } else if (old.vni() != t.vni()
          || old.vlan() != t.vlan()
          || old.geneve() != t.geneve()
          || vtepChanged) {
        tunnelsReplaced.add(t);
      }
    }
    Set<String> tunnelsOut = new HashSet<>(tunnelsBefore.keySet());
    tunnelsOut.removeAll(tunnelsAfter);
    tunnelsReplaced.forEach(t -> tunnelsOut.add(t.name()));
    List<OverlaySpecs.Tunnel> tunnelsIn = new ArrayList<>(tunnelsAdded);
    tunnelsIn.addAll(tunnelsReplaced);
    // The removed ports' policies as they were, for whoever wants their last state (vMotion).
    Map<String, io.vswitch.dataplane.l2.PortPolicy> removed = new HashMap<>();
    for (String name : before.keySet()) {
      if (!after.containsKey(name) && runtime.port(name) != null) {
        removed.put(name, l2.tables().port(runtime.port(name).index()));
      }
    }

    // Tunnels break before they make (unlike ports): a segment's VNI change reopens all its
    // tunnels, which could not all be open twice within the port slots. Workers see the old
    // tables without them (their (segment, VTEP) drops for a moment), then the new tables whole:
    // never a tunnel of the old segment in the new tables.
    if (!tunnelsOut.isEmpty()) {
      publishTables(from, fromFacts, tunnelsOut);
      closePorts(tunnelsOut);
    }
    try {
      openPorts(added);
      try {
        openTunnels(desired, tunnelsIn);
      } catch (ApplyException e) {
        closePorts(new HashSet<>(added.stream().map(SwitchConfig.Port::name).toList()));
        throw e;
      }
    } catch (ApplyException e) {
      List<OverlaySpecs.Tunnel> back = new ArrayList<>();
      for (String name : tunnelsOut) {
        back.add(tunnelsBefore.get(name));
      }
      openTunnels(from, back);
      publishTables(from, fromFacts);
      throw e;
    }
    publishTables(desired, toFacts);
    closePorts(leaving, removed, before);
    reopenReplaced(replaced, before, from, fromFacts);
    publishTables(desired, toFacts);
    // Reopened ports and tunnels lost their static entries with their learned ones (and may sit
    // in another slot now): theirs are added again.
    Set<String> reopened = new HashSet<>();
    replaced.forEach(p -> reopened.add(p.name()));
    tunnelsReplaced.forEach(t -> reopened.add(t.name()));
    syncStaticEntries(from, desired, reopened);
    l2.fdb().setAgingSeconds(desired.fdb().agingSeconds());
    if (l2.conntrack() != null) {
      ConntrackSpecs.apply(desired.conntrack(), l2.conntrack());
    }
  }

  private void requireRunTimeChangeable(SwitchConfig desired) {
    if (running.crossConnectMode() || desired.crossConnectMode()) {
      throw new ConfigException(
          "a cross-connect takes changes at restart only: restart vswitch with the new config");
    }
    requireSame(running.eal(), desired.eal(), "eal settings");
    requireSame(running.workers(), desired.workers(), "workers");
    requireSame(running.etcd(), desired.etcd(), "etcd settings");
    requireSame(running.fdb().capacity(), desired.fdb().capacity(), "fdb.capacity");
    requireSame(running.fdb().prefill(), desired.fdb().prefill(), "fdb.prefill");
    requireSame(running.conntrack().enabled(), desired.conntrack().enabled(), "conntrack.enabled");
    requireSame(
        running.conntrack().capacity(), desired.conntrack().capacity(), "conntrack.capacity");
    requireSame(
        running.conntrack().embryonic(), desired.conntrack().embryonic(), "conntrack.embryonic");
    if ((running.ipfix() == null) != (desired.ipfix() == null)) {
      throw new ConfigException(
          "the ipfix section (flow caches) is made or removed at restart only: restart vswitch"
              + " with the new config (turning ports' ipfix on and off is live)");
    }
    if (running.ipfix() != null) {
      requireSame(running.ipfix().cacheSize(), desired.ipfix().cacheSize(), "ipfix.cache-size");
    }
    if (!OverlaySpecs.sameAtRunTime(running, desired)) {
      throw new ConfigException(
          "the overlay itself, overlay.vtep.port and the VTEP port's device and MTU take effect at"
              + " restart only: restart vswitch to change them (the VTEP's address, udp-port, geneve-port,"
              + " ttl, neighbors and the segments change live)");
    }
    OverlaySpecs.requireLiveVtepChange(running, desired, remote);
    if (desired.usesCtState() && l2.conntrack() == null) {
      throw new ConfigException(
          "ct-state rules need the conntrack table, made at start only when a rule uses ct-state:"
              + " restart vswitch with the new config");
    }
  }

  private static void requireSame(Object now, Object wanted, String what) {
    if (!Objects.equals(now, wanted)) {
      throw new ConfigException(what + " take effect at restart only: restart vswitch to change");
    }
  }

  private static boolean sameDevice(SwitchConfig.Port a, SwitchConfig.Port b) {
    return PortTypes.devargs(a).equals(PortTypes.devargs(b))
        && a.rxQueues().equals(b.rxQueues())
        && a.rxDescriptors().equals(b.rxDescriptors())
        && a.txDescriptors().equals(b.txDescriptors());
  }

  /** Opens new ports; if one fails, closes those opened before it and reports why. */
  private void openPorts(List<SwitchConfig.Port> ports) {
    List<Port> opened = new ArrayList<>();
    try {
      for (SwitchConfig.Port port : ports) {
        PortPreparation.beforeOpen(port);
        opened.add(runtime.addPort(SwitchLauncher.portSpec(port)));
      }
    } catch (RuntimeException e) {
      opened.forEach(p -> runtime.removePort(p.index()));
      // None of them opens: the XDP links readied for them go too (the peers get TSO back).
      ports.forEach(p -> PortPreparation.afterClose(p.name()));
      RuntimeException why = PortPreparation.explainFailedOpen(ports, e);
      throw new ApplyException("cannot open port: " + why.getMessage(), why);
    }
  }

  /** Opens tunnel ports; if one fails, closes those opened before it and reports why. */
  private void openTunnels(SwitchConfig config, List<OverlaySpecs.Tunnel> tunnels) {
    if (config.overlay() != null) {
      // The port factory encapsulates with the VTEP whose cache was taken last: this config's.
      OverlaySpecs.neighbors(config.overlay());
    }
    List<Port> opened = new ArrayList<>();
    try {
      for (OverlaySpecs.Tunnel t : tunnels) {
        opened.add(runtime.addPort(OverlaySpecs.portSpec(config, t)));
      }
    } catch (RuntimeException e) {
      opened.forEach(p -> runtime.removePort(p.index()));
      throw new ApplyException("cannot open tunnel port: " + e.getMessage(), e);
    }
  }

  /** Closes ports (or tunnels) that no one follows: nothing of them is handed to a listener. */
  private void closePorts(Set<String> names) {
    closePorts(names, Map.of(), Map.of());
  }

  /**
   * Closes ports; those in {@code removed} (leaving the config for good) are first reported to the
   * {@link PortLeaving} listener, with {@code configs} their config.
   */
  private void closePorts(
      Set<String> names,
      Map<String, io.vswitch.dataplane.l2.PortPolicy> removed,
      Map<String, SwitchConfig.Port> configs) {
    for (String name : names) {
      Port port = runtime.port(name);
      runtime.removePort(port.index());
      PortPreparation.afterClose(name);
      PortLeaving listener = portLeaving;
      if (listener != null && removed.containsKey(name) && configs.containsKey(name)) {
        try {
          listener.leaving(configs.get(name), port.index(), removed.get(name));
        } catch (RuntimeException e) {
          // the listener's own failure (it logs it): the port goes all the same
        }
      }
      l2.fdb().flushPort(port.index());
      if (l2.conntrack() != null) {
        // Its connections go with it: their per-port count would otherwise pass to the next
        // port that takes the slot.
        l2.conntrack().flushPort(port.index());
      }
    }
  }

  /**
   * Ports whose device changed were closed above; open their new device. Should that fail, the old
   * one is put back so that the switch ends as it was, and the change is refused.
   */
  private void reopenReplaced(
      List<SwitchConfig.Port> replaced,
      Map<String, SwitchConfig.Port> before,
      SwitchConfig from,
      RemoteFacts fromFacts) {
    for (SwitchConfig.Port port : replaced) {
      try {
        PortPreparation.beforeOpen(port);
        runtime.addPort(SwitchLauncher.portSpec(port));
      } catch (RuntimeException e) {
        RuntimeException why = PortPreparation.explainFailedOpen(List.of(port), e);
        PortPreparation.afterClose(port.name());
        PortPreparation.beforeOpen(before.get(port.name()));
        runtime.addPort(SwitchLauncher.portSpec(before.get(port.name())));
        publishTables(from, fromFacts);
        throw new ApplyException(
            "cannot open the new device of port '"
                + port.name()
                + "' ("
                + why.getMessage()
                + "); it keeps its old one",
            why);
      }
    }
  }

  /** Compiles tables for the ports that exist right now and publishes them. */
  private void publishTables(SwitchConfig config, RemoteFacts facts) {
    publishTables(config, facts, Set.of());
  }

  /** As {@link #publishTables(SwitchConfig, RemoteFacts)}, with the ports {@code without} out. */
  private void publishTables(SwitchConfig config, RemoteFacts facts, Set<String> without) {
    Map<String, Integer> index = new HashMap<>();
    for (Port port : runtime.ports()) {
      if (!without.contains(port.name())) {
        index.put(port.name(), port.index());
      }
    }
    l2.publish(L2Compiler.compile(config, facts, index, runtime.portCapacity()));
  }

  private void syncStaticEntries(SwitchConfig from, SwitchConfig to, Set<String> reopened) {
    Set<SwitchConfig.StaticEntry> old = new HashSet<>(from.fdb().entries());
    Set<SwitchConfig.StaticEntry> wanted = new HashSet<>(to.fdb().entries());
    for (SwitchConfig.StaticEntry e : old) {
      if (!wanted.contains(e)) {
        l2.fdb().remove(e.vlan(), MacAddress.parse(e.mac()));
      }
    }
    for (SwitchConfig.StaticEntry e : wanted) {
      if (!old.contains(e) || reopened.contains(e.port())) {
        Map<String, Integer> index = new HashMap<>();
        runtime.ports().forEach(p -> index.put(p.name(), p.index()));
        l2.fdb()
            .addStatic(e.vlan(), MacAddress.parse(e.mac()), L2Compiler.slotOf(to, e.port(), index));
      }
    }
  }

  private static Map<String, SwitchConfig.Port> byName(List<SwitchConfig.Port> ports) {
    Map<String, SwitchConfig.Port> map = new HashMap<>();
    ports.forEach(p -> map.put(p.name(), p));
    return map;
  }
}
