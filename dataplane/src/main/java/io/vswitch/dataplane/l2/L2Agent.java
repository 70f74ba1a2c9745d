package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.qos.Policer;
import io.vswitch.dataplane.qos.PolicerSpec;
import io.vswitch.dataplane.qos.Shaper;
import io.vswitch.dataplane.qos.ShaperSpec;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.CounterSlot;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.worker.Agent;
import io.vswitch.dataplane.worker.RxQueue;
import io.vswitch.ffm.Eal;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * One worker's L2 switch: for each receive queue it owns, a burst goes through
 *
 * <pre>
 *   rx → parse → ingress security → VLAN classify → ingress ACL → marking, policing → learn →
 *        forward → egress ACL → egress (VLAN rewrite, PCP, flood by reference count) →
 *        shaper → tx
 * </pre>
 *
 * Features a port does not use are skipped for the whole burst (a burst comes from one port), so
 * they cost nothing there. The tables are read once per pass, which is when a published change
 * takes effect.
 *
 * <p>QoS state lives here, not in the immutable tables: a policer per receive queue and a shaper
 * per egress port (both this worker's share of the configured rates). When new tables arrive, a
 * port whose policer or shaper spec is unchanged keeps its buckets, so a republish for some other
 * reason neither refills nor empties them.
 */
public final class L2Agent implements Agent {
  private final RxQueue[] queues;
  private final CounterSlot[] rxCounters;
  private final TxBuffer[] tx;
  private final L2Switch l2;
  private final Arena arena = Arena.ofShared();
  private final BurstContext ctx = new BurstContext(arena);
  private final ParseStage parse = new ParseStage();
  private final IngressSecurityStage security = new IngressSecurityStage();
  private final VlanClassifyStage classify = new VlanClassifyStage();
  private final LearnStage learn;
  private final ForwardStage forward;
  private final EgressStage egress;
  private final AclStage acl;
  private final IngressQosStage qos = new IngressQosStage();
  private final Policer[] policers;
  private final long hz;
  private L2Tables applied;
  private int[] shaped = new int[0];
  private boolean timed;

  /**
   * @param worker this worker's index: its transmit queue on every port and its counter slots
   * @param pool the mbuf pool flood copies come from
   */
  public L2Agent(
      int worker,
      List<RxQueue> queues,
      List<Port> ports,
      CounterFile counters,
      L2Switch l2,
      MemorySegment pool) {
    if (ports.size() > EgressStage.MAX_PORTS) {
      throw new IllegalArgumentException("at most " + EgressStage.MAX_PORTS + " ports");
    }
    this.queues = queues.toArray(RxQueue[]::new);
    this.rxCounters = new CounterSlot[this.queues.length];
    for (int q = 0; q < this.queues.length; q++) {
      rxCounters[q] = counters.slot(worker, this.queues[q].port().index());
    }
    this.tx = new TxBuffer[ports.size()];
    for (Port port : ports) {
      tx[port.index()] = new TxBuffer(port, worker, counters.slot(worker, port.index()), arena);
    }
    this.l2 = l2;
    this.learn = new LearnStage(l2.fdb());
    this.forward = new ForwardStage(l2.fdb());
    this.egress = new EgressStage(pool, worker);
    this.acl = new AclStage(worker);
    this.policers = new Policer[this.queues.length];
    this.hz = Eal.current().tscHz();
  }

  @Override
  public int doWork() {
    L2Tables tables = l2.tables();
    if (tables != applied) {
      apply(tables);
    }
    long now = FdbClock.nowSeconds();
    long tsc = timed ? Eal.rdtsc() : 0;
    int work = 0;
    for (int p : shaped) {
      work += tx[p].release(tsc);
    }
    for (int q = 0; q < queues.length; q++) {
      work += switchBurst(q, tables, now, tsc);
    }
    if (shaped.length > 0) {
      flush(); // what the shapers released on a pass with no burst to carry it
    }
    return work;
  }

  /**
   * Takes in new tables: makes, keeps or drops each policer and shaper by whether its spec changed.
   * Runs on the worker, once per publish; allocates only for what changed.
   */
  private void apply(L2Tables tables) {
    long tsc = Eal.rdtsc();
    boolean any = false;
    for (int q = 0; q < queues.length; q++) {
      PolicerSpec spec = tables.port(queues[q].port().index()).policer();
      if (spec == null) {
        policers[q] = null;
      } else if (policers[q] == null || !policers[q].spec().equals(spec)) {
        policers[q] = new Policer(spec, hz, tsc);
      }
      any |= spec != null;
    }
    int[] nextShaped = new int[tx.length];
    int n = 0;
    for (int p = 0; p < tx.length && p < tables.portCount(); p++) {
      ShaperSpec spec = tables.port(p).shaper();
      Shaper current = tx[p].shaper();
      if (spec == null) {
        tx[p].shape(null);
      } else if (current == null || current.spec().queue() != spec.queue()) {
        tx[p].shape(new Shaper(spec, hz, tsc));
      } else if (!current.spec().equals(spec)) {
        current.respec(spec);
      }
      if (spec != null) {
        nextShaped[n++] = p;
      }
    }
    shaped = java.util.Arrays.copyOf(nextShaped, n);
    timed = any || n > 0;
    applied = tables;
  }

  private int switchBurst(int q, L2Tables tables, long now, long tsc) {
    RxQueue in = queues[q];
    int received = in.port().receive(in.queue(), ctx.batch());
    if (received == 0) {
      return 0;
    }
    CounterSlot counters = rxCounters[q];
    PortPolicy port = tables.port(in.port().index());
    ctx.begin(port.index, received, counters);
    parse.run(ctx);
    counters.add(PortCounter.RX_PACKETS, received);
    counters.add(PortCounter.RX_BYTES, receivedBytes(received));
    if (!port.ingressSecurityOff()) {
      security.run(ctx, port);
    }
    classify.run(ctx, port);
    boolean acls = tables.hasAcls();
    if (acls) {
      acl.extract(ctx);
      if (port.ingressAcl != null) {
        acl.ingress(ctx, port.ingressAcl);
      }
    }
    Policer policer = policers[q];
    if (policer != null) {
      policer.refill(tsc);
    }
    if (policer != null || port.marks()) {
      qos.run(ctx, port, policer);
    }
    if (port.learning) {
      learn.run(ctx, now);
    }
    forward.run(ctx, tables, now);
    if (acls) {
      acl.egress(ctx, tables);
    }
    egress.run(ctx, tables, tx);
    ctx.freeDropped();
    flush();
    return received;
  }

  private long receivedBytes(int count) {
    long bytes = 0;
    for (int i = 0; i < count; i++) {
      bytes += ctx.length[i];
    }
    return bytes;
  }

  private void flush() {
    for (TxBuffer buffer : tx) {
      if (!buffer.isEmpty()) {
        buffer.flush();
      }
    }
  }

  @Override
  public void onClose() {
    for (TxBuffer buffer : tx) {
      buffer.discard();
    }
    ctx.batch().freeAll();
    arena.close();
  }

  @Override
  public String roleName() {
    return "l2";
  }
}
