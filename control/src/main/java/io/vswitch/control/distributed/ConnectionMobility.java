package io.vswitch.control.distributed;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.control.config.SecurityGroups;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.control.distributed.EtcdStore.EtcdException;
import io.vswitch.control.plane.ConfigJson;
import io.vswitch.control.plane.ControlAgent;
import io.vswitch.control.plane.ControlPlane;
import io.vswitch.dataplane.conntrack.ConntrackTable;
import io.vswitch.dataplane.conntrack.CtClock;
import io.vswitch.dataplane.conntrack.CtEntryView;
import io.vswitch.dataplane.conntrack.CtResult;
import io.vswitch.dataplane.l2.MacAddress;
import io.vswitch.dataplane.l2.PortPolicy;
import io.vswitch.dataplane.l2.VlanMode;
import io.vswitch.dataplane.port.Port;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * vMotion's connection state: a VM's tracked connections leave with it and arrive with it.
 *
 * <p>Export: when a change removes a port with a configured {@code mac:} (live {@code del-port},
 * {@code apply}, the REST API), the control agent, before the port's connections are flushed, takes
 * from the table (its own listing walk) those of the port's zone (its access VLAN) with one end in
 * the port's configured {@code addresses:}, whole (state, TCP windows, time left, counters), and
 * this class's thread writes them to etcd as a {@link CtRecord} at {@code /vswitch/S/ct/MAC} under
 * a lease of its own ({@link CtRecord#TTL_SECONDS}): the record outlives this host, should it die
 * right after, but not by much.
 *
 * <p>Import: when a port with a configured MAC appears on this host (not one it started with), the
 * thread looks for that MAC's record for {@link #WAIT_MILLIS}, so both orders work: the old host
 * removed the port first (the record is there at once), or the new one was added first (ESXi starts
 * the destination before it stops the source): the new host then claims the MAC ({@link
 * CtRecord#claimKey}, leased), the old one answers with a snapshot while its port stays, and its
 * final record follows when the port goes (a connection that has seen more packets there replaces
 * the earlier copy). A record is read off the control agent and checked ({@link CtRecord#parse});
 * then, on the agent, each connection that involves one of this port's configured addresses goes
 * into the table ({@link ConntrackTable#importConnection}) in this port's zone, as created on this
 * port, with the time it had left less the time since the export. The record is then deleted (if
 * unchanged), so it is used once.
 *
 * <p>Refused and counted (one log line per record, never per connection): a record that is too big,
 * malformed, for another MAC, past its TTL or from the future, or under no live lease (etcd removes
 * a leased record at its lease's end; one put without a lease, by hand, is refused); and per
 * connection: not involving this port's addresses, a state the table cannot hold, no time left, or
 * a table limit (room, embryonic budget, zone and port limits; an import never evicts).
 *
 * <p>A port without {@code addresses:} moves no connections (nothing would tell this host's
 * connections from forged ones); that is logged once per move.
 */
public final class ConnectionMobility implements AutoCloseable {
  /** How long an arrived port's record is looked for. */
  static final long WAIT_MILLIS = 30_000;

  private static final long LOOK_MILLIS = 100;
  private static final long RETRY_MILLIS = 1_000;

  /** Claims are read every this many rounds (of {@link #LOOK_MILLIS}). */
  private static final int CLAIM_ROUNDS = 2;

  /** Claims answered and remembered at most (a flood of forged claims costs no more). */
  private static final int MAX_CLAIMS = 1024;

  /** Why connections of a record were not imported (the metric's reasons). */
  public enum Refusal {
    IDENTITY("identity"),
    EXPIRED("expired"),
    INVALID("invalid"),
    LIMIT("limit");

    public final String label;

    Refusal(String label) {
      this.label = label;
    }
  }

  private final DistributedSwitch.Settings settings;
  private final ControlPlane plane;
  private final ControlAgent agent;
  private final PrintStream log;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Export> exports = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Wanted> arrivals = new ConcurrentLinkedQueue<>();
  private volatile boolean stopping;

  // Control agent's.
  private final Set<Port> seen = Collections.newSetFromMap(new IdentityHashMap<>());
  private final Map<Port, Wanted> waiting = new IdentityHashMap<>();
  private boolean started;

  private final AtomicLong exported = new AtomicLong();
  private final AtomicLong imported = new AtomicLong();
  private final AtomicLong recordsRefused = new AtomicLong();
  private final AtomicLongArray refused = new AtomicLongArray(Refusal.values().length);

  private record Export(long mac, String port, String json, int count, long deadlineNanos) {}

  /** A port that arrived, whose MAC's record is looked for until {@code deadlineNanos}. */
  private static final class Wanted {
    final Port port;
    final String name;
    final long mac;
    final long deadlineNanos;
    long lastRevision;

    /** Set by the control agent when the port leaves: its own export is no record for it. */
    volatile boolean gone;

    /** The lease of this host's claim on the MAC (0: none, or withdrawn). */
    long claimLease;

    /** When the port appeared (wall clock): a record this host wrote since is its own answer. */
    final long appearedWallMillis = System.currentTimeMillis();

    Wanted(Port port, String name, long mac, long deadlineNanos) {
      this.port = port;
      this.name = name;
      this.mac = mac;
      this.deadlineNanos = deadlineNanos;
    }
  }

  public ConnectionMobility(
      DistributedSwitch.Settings settings,
      ControlPlane plane,
      ControlAgent agent,
      PrintStream log) {
    this.settings = settings;
    this.plane = plane;
    this.agent = agent;
    this.log = log;
    this.thread = Thread.ofPlatform().daemon().name("vswitch-ct-move").unstarted(this::run);
    plane.onPortLeaving(this::leaving);
  }

  public ConnectionMobility start() {
    thread.start();
    return this;
  }

  // ---------------------------------------------------------------- control agent

  /** A port leaves this host: its VM's connections are taken, to be written to etcd. */
  private void leaving(SwitchConfig.Port port, int index, PortPolicy policy) {
    ConntrackTable table = plane.l2() == null ? null : plane.l2().conntrack();
    if (table == null || port.mac() == null || policy == null) {
      return;
    }
    forget(p -> p.index() == index); // a look still running for it would find its own export
    snapshot(port, policy, "port " + port.name() + " removed");
  }

  /**
   * Another host claims MAC {@code mac} (its port for it appeared while this host still has one):
   * this host's connections of that VM are written now, the port staying (ESXi's order: the
   * destination starts before the source stops). Control agent.
   */
  private void answer(long mac, String claimant) {
    if (plane.l2() == null) {
      return;
    }
    for (Port p : plane.runtime().ports()) {
      SwitchConfig.Port cfg = configOf(p.name());
      if (cfg != null && cfg.mac() != null && MacAddress.parse(cfg.mac()) == mac) {
        snapshot(cfg, plane.l2().tables().port(p.index()), "claimed by host " + claimant);
      }
    }
  }

  /** The VM's connections of {@code port}, queued for etcd (nothing if it has none). */
  private void snapshot(SwitchConfig.Port port, PortPolicy policy, String why) {
    ConntrackTable table = plane.l2() == null ? null : plane.l2().conntrack();
    if (table == null || port.mac() == null || policy == null) {
      return;
    }
    long mac = MacAddress.parse(port.mac());
    if (policy.mode() != VlanMode.ACCESS) {
      return; // a trunk's VM has no one zone: not moved
    }
    CtRecord.Identity id = identity(port);
    if (id.isEmpty()) {
      say(
          "vswitch: vmotion: port %s (%s) has no addresses: its connections do not move with it",
          port.name(), port.mac());
      return;
    }
    int zone = policy.vlans().nextSetBit(0);
    List<CtEntryView> mine = new ArrayList<>();
    table.forEach(
        CtClock.nowMillis(),
        zone,
        c -> {
          if (id.involves(c)) {
            mine.add(c.copy());
          }
        });
    int found = mine.size();
    if (found == 0) {
      return; // nothing to move: no record (the new host looks for one a while, and finds none)
    }
    if (found > CtRecord.MAX_CONNECTIONS) {
      // Established ones first, then those with the most time left: what a VM would miss most.
      mine.sort(
          Comparator.comparing((CtEntryView c) -> c.embryonic)
              .thenComparing(c -> -c.expiresInMillis));
      mine.subList(CtRecord.MAX_CONNECTIONS, found).clear();
    }
    String json =
        CtRecord.write(
            settings.host(), mac, System.currentTimeMillis(), CtRecord.TTL_SECONDS, mine);
    exports.add(
        new Export(
            mac,
            port.name() + ", " + why,
            json,
            mine.size(),
            System.nanoTime() + TimeUnit.SECONDS.toNanos(CtRecord.TTL_SECONDS)));
    if (found > mine.size()) {
      say(
          "vswitch: warning: vmotion: port %s has %d connections; only %d move (the record's"
              + " most)",
          port.name(), found, mine.size());
    }
  }

  /** The ports {@code which} picks are no longer waited for. */
  private void forget(java.util.function.Predicate<Port> which) {
    for (Iterator<Map.Entry<Port, Wanted>> it = waiting.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Port, Wanted> e = it.next();
      if (which.test(e.getKey())) {
        e.getValue().gone = true;
        it.remove();
      }
    }
  }

  private static CtRecord.Identity identity(SwitchConfig.Port port) {
    List<String> prefixes = new ArrayList<>();
    for (String a : port.addresses()) {
      prefixes.add(SecurityGroups.canonical(a, "address"));
    }
    return CtRecord.Identity.of(prefixes);
  }

  /**
   * Every {@link #TICK_MS} on the control agent: ports that appeared since the last look and have a
   * configured MAC are looked for in etcd (not those the switch started with: a restart is no
   * arrival).
   */
  public void poll() {
    List<Port> ports = plane.runtime().ports();
    Set<Port> now = Collections.newSetFromMap(new IdentityHashMap<>());
    now.addAll(ports);
    seen.retainAll(now);
    forget(p -> !now.contains(p));
    waiting.values().removeIf(w -> System.nanoTime() - w.deadlineNanos > 0);
    for (Port p : ports) {
      if (!seen.add(p) || !started) {
        continue;
      }
      SwitchConfig.Port cfg = configOf(p.name());
      if (cfg != null && cfg.mac() != null) {
        Wanted w =
            new Wanted(
                p,
                p.name(),
                MacAddress.parse(cfg.mac()),
                System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS));
        waiting.put(p, w);
        arrivals.add(w);
      }
    }
    started = true;
  }

  /** How often {@link #poll} should run. */
  public static final int TICK_MS = 50;

  private SwitchConfig.Port configOf(String name) {
    for (SwitchConfig.Port p : plane.running().ports()) {
      if (p.name().equals(name)) {
        return p;
      }
    }
    return null;
  }

  /** What an import did: whether the record was used (then deleted), and the log line's end. */
  private record Outcome(boolean used, String text) {}

  /** The control agent's half of an import: the checked record's connections into the table. */
  private Outcome importHere(Wanted w, CtRecord.Parsed record, long nowWall) {
    ConntrackTable table = plane.l2() == null ? null : plane.l2().conntrack();
    if (table == null) {
      return new Outcome(false, "not imported: this switch tracks no connections");
    }
    if (!plane.runtime().ports().contains(w.port)) {
      return new Outcome(false, "not imported: the port went meanwhile");
    }
    SwitchConfig.Port cfg = configOf(w.name);
    if (cfg == null || cfg.mac() == null || MacAddress.parse(cfg.mac()) != w.mac) {
      return new Outcome(false, "not imported: the port has another MAC now");
    }
    PortPolicy policy = plane.l2().tables().port(w.port.index());
    if (policy == null || policy.mode() != VlanMode.ACCESS) {
      return new Outcome(false, "not imported: not an access port");
    }
    CtRecord.Identity id = identity(cfg);
    if (id.isEmpty()) {
      refused.addAndGet(Refusal.IDENTITY.ordinal(), record.connections().size());
      return new Outcome(
          true,
          "all "
              + record.connections().size()
              + " refused: the port has no addresses, so none can be told from a forgery");
    }
    int zone = policy.vlans().nextSetBit(0);
    long since = Math.max(0, nowWall - record.exported());
    long now = CtClock.nowMillis();
    int in = 0;
    int present = 0;
    int[] out = new int[Refusal.values().length];
    for (CtEntryView c : record.connections()) {
      c.expiresInMillis -= since;
      Refusal why = null;
      if (c.expiresInMillis <= 0) {
        why = Refusal.EXPIRED;
      } else if (!id.involves(c)) {
        why = Refusal.IDENTITY;
      } else {
        int r = table.importConnection(zone, w.port.index(), c, now);
        int v = CtResult.verdict(r);
        if (v == CtResult.NEW) {
          in++;
        } else if (v == CtResult.ESTABLISHED) {
          present++;
        } else {
          why = CtResult.isRefused(r) ? Refusal.LIMIT : Refusal.INVALID;
        }
      }
      if (why != null) {
        out[why.ordinal()]++;
        refused.incrementAndGet(why.ordinal());
      }
    }
    imported.addAndGet(in);
    StringBuilder s =
        new StringBuilder()
            .append(in)
            .append(" of ")
            .append(record.connections().size())
            .append(" imported into zone ")
            .append(zone);
    if (present > 0) {
      s.append(", ").append(present).append(" already here");
    }
    for (Refusal r : Refusal.values()) {
      if (out[r.ordinal()] > 0) {
        s.append(", ").append(out[r.ordinal()]).append(" refused (").append(r.label).append(")");
      }
    }
    return new Outcome(true, s.toString());
  }

  // ---------------------------------------------------------------- its own thread (etcd)

  private void run() {
    EtcdStore store = new EtcdStore(settings.endpoints());
    List<Wanted> wanted = new ArrayList<>();
    List<Export> pending = new ArrayList<>();
    Set<String> answered = new java.util.HashSet<>();
    long rounds = 0;
    boolean failing = false;
    try {
      while (!stopping) {
        for (Export e; (e = exports.poll()) != null; ) {
          pending.add(e);
        }
        try {
          for (Wanted w; (w = arrivals.peek()) != null; arrivals.poll()) {
            long mac = w.mac;
            for (Wanted o : wanted) {
              if (o.mac == mac) {
                withdraw(store, o);
              }
            }
            wanted.removeIf(o -> o.mac == mac); // the newest arrival of a MAC is the one
            claim(store, w);
            wanted.add(w);
          }
          publish(store, pending);
          look(store, wanted);
          if (++rounds % CLAIM_ROUNDS == 0) {
            answerClaims(store, answered);
          }
          failing = false;
        } catch (RuntimeException e) {
          if (stopping) {
            break;
          }
          if (!(e instanceof EtcdException)) {
            // A bug must not end vMotion's state moves for the switch's lifetime: said, retried.
            say("vswitch: warning: vmotion: %s", e);
            Thread.sleep(RETRY_MILLIS);
            continue;
          }
          if (!failing) {
            say("vswitch: warning: vmotion: %s; retrying", e.getMessage());
          }
          failing = true;
          store.close();
          store = new EtcdStore(settings.endpoints());
          Thread.sleep(RETRY_MILLIS);
          continue;
        }
        Thread.sleep(LOOK_MILLIS);
      }
    } catch (InterruptedException e) {
      // stopping
    } finally {
      store.close();
    }
  }

  private void publish(EtcdStore store, List<Export> pending) {
    for (Iterator<Export> it = pending.iterator(); it.hasNext(); ) {
      Export e = it.next();
      if (System.nanoTime() - e.deadlineNanos() > 0) {
        it.remove(); // etcd was away for the record's whole life
        say(
            "vswitch: warning: vmotion: the connections of %s (port %s) were never written:"
                + " etcd was unreachable",
            MacAddress.format(e.mac()), e.port());
        continue;
      }
      long lease = store.grant(CtRecord.TTL_SECONDS);
      store.put(CtRecord.key(settings.switchName(), e.mac()), e.json(), lease);
      it.remove();
      exported.addAndGet(e.count());
      say(
          "vswitch: vmotion: exported %d connections of %s (port %s) to etcd for %d s",
          e.count(), MacAddress.format(e.mac()), e.port(), CtRecord.TTL_SECONDS);
    }
  }

  /**
   * Claims {@code w}'s MAC at {@code /vswitch/S/ct-claims/MAC} for as long as it is looked for: a
   * host that still has a port with that MAC answers by writing its connections at once.
   */
  private void claim(EtcdStore store, Wanted w) {
    long lease = store.grant(Math.max(1, WAIT_MILLIS / 1000));
    ObjectNode c = ConfigJson.MAPPER.createObjectNode();
    c.put("host", settings.host());
    c.put("since", System.currentTimeMillis()); // a new claim is a new value: answered again
    store.put(CtRecord.claimKey(settings.switchName(), w.mac), ConfigJson.write(c), lease);
    w.claimLease = lease;
  }

  private void withdraw(EtcdStore store, Wanted w) {
    if (w.claimLease != 0) {
      try {
        store.revoke(w.claimLease);
      } catch (EtcdException e) {
        // expired already: it goes by itself
      }
      w.claimLease = 0;
    }
  }

  /** Other hosts' claims on MACs this host has a port for, each answered once. */
  private void answerClaims(EtcdStore store, Set<String> answered) {
    Map<String, String> claims = store.list(CtRecord.claimPrefix(settings.switchName()));
    answered.retainAll(
        claims.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList());
    for (Map.Entry<String, String> e : claims.entrySet()) {
      String id = e.getKey() + " " + e.getValue();
      if (answered.contains(id) || answered.size() >= MAX_CLAIMS) {
        continue;
      }
      long mac;
      String claimant;
      try {
        mac = MacAddress.parse(e.getKey());
        claimant = ConfigJson.MAPPER.readTree(e.getValue()).path("host").asText("");
      } catch (Exception bad) {
        answered.add(id); // not a claim this version writes: ignored, once
        continue;
      }
      if (claimant.equals(settings.host()) || claimant.isEmpty() || claimant.length() > 253) {
        answered.add(id);
        continue;
      }
      try {
        agent.submit(
            () -> {
              answer(mac, claimant);
              return null;
            });
        answered.add(id);
      } catch (RejectedExecutionException busy) {
        // again next round
      }
    }
  }

  private void look(EtcdStore store, List<Wanted> wanted) {
    for (Iterator<Wanted> it = wanted.iterator(); it.hasNext(); ) {
      Wanted w = it.next();
      if (w.gone || System.nanoTime() - w.deadlineNanos > 0) {
        withdraw(store, w);
        it.remove();
        continue;
      }
      String key = CtRecord.key(settings.switchName(), w.mac);
      EtcdStore.Leased found = store.getLeased(key);
      if (found == null || found.modRevision() == w.lastRevision) {
        continue;
      }
      w.lastRevision = found.modRevision();
      String mac = MacAddress.format(w.mac);
      CtRecord.Parsed record;
      try {
        if (found.lease() == 0) {
          throw new CtRecord.Refused("it is under no lease (not written by a switch)");
        }
        if (store.leaseRemaining(found.lease()) <= 0) {
          throw new CtRecord.Refused("its lease has ended");
        }
        record = CtRecord.parse(found.value(), w.mac, System.currentTimeMillis());
      } catch (CtRecord.Refused bad) {
        say(
            "vswitch: warning: vmotion: refused the connection record of %s (revision %d): %s",
            mac, found.modRevision(), bad.getMessage());
        recordsRefused.incrementAndGet(); // after the warning: the counter implies the line
        continue;
      }
      if (record.host().equals(settings.host()) && record.exported() >= w.appearedWallMillis) {
        continue; // this host's own answer to another's claim, not state for this port
      }
      Outcome outcome;
      try {
        outcome = agent.submit(() -> importHere(w, record, System.currentTimeMillis()));
      } catch (RejectedExecutionException busy) {
        w.lastRevision = 0; // not judged: again at the next look
        continue;
      }
      if (outcome.used()) {
        store.deleteIfRevision(key, found.modRevision()); // used once
        withdraw(store, w); // answered; a record the old host writes later is still taken
      }
      say(
          "vswitch: vmotion: connections of %s from host %s, port %s: %s",
          mac, record.host(), w.name, outcome.text());
    }
  }

  private void say(String format, Object... args) {
    log.println(String.format(format, args));
    log.flush();
  }

  /** Connections written to etcd since start. */
  public long exported() {
    return exported.get();
  }

  /** Connections put into this host's table since start. */
  public long imported() {
    return imported.get();
  }

  /** Connections of read records not imported, for {@code why}. */
  public long refused(Refusal why) {
    return refused.get(why.ordinal());
  }

  /** Records refused whole. */
  public long recordsRefused() {
    return recordsRefused.get();
  }

  @Override
  public void close() {
    stopping = true;
    thread.interrupt();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
