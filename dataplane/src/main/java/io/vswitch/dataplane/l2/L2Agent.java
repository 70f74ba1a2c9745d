package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.qos.Policer;
import io.vswitch.dataplane.qos.PolicerSpec;
import io.vswitch.dataplane.qos.Shaper;
import io.vswitch.dataplane.qos.ShaperSpec;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.CounterSlot;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.worker.ReplannableAgent;
import io.vswitch.dataplane.worker.RxQueue;
import io.vswitch.ffm.Eal;
import io.vswitch.ffm.Mbuf;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import org.HdrHistogram.SingleWriterRecorder;

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
 * <p>QoS state lives here, not in the immutable tables: a policer per port and receive queue and a
 * shaper per egress port (both this worker's share of the configured rates). When new tables (or a
 * new plan) arrive, a port whose policer or shaper spec is unchanged keeps its buckets, so a
 * republish for some other reason neither refills nor empties them.
 */
public final class L2Agent implements ReplannableAgent {
  private static final VarHandle PASSES;
  private static final long MAX_LATENCY_NS = 10_000_000_000L;

  static {
    try {
      PASSES = MethodHandles.lookup().findVarHandle(L2Agent.class, "passes", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * What one worker polls and where it can send: its receive queues with their counter slots, and a
   * transmit buffer per port index (null where there is no port). Immutable once published.
   */
  private record Plan(RxQueue[] queues, CounterSlot[] rxCounters, TxBuffer[] tx) {}

  private final int worker;
  private final CounterFile counters;
  private volatile Plan plan;

  @SuppressWarnings("unused") // written through PASSES
  private long passes;

  private final L2Switch l2;

  /** rx-to-tx time of each burst, in ns; wait-free and allocation-free to record. */
  private final SingleWriterRecorder latency = new SingleWriterRecorder(1, MAX_LATENCY_NS, 3);

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
  private final long hz;

  /** Policer state by port index and receive queue; written on apply only. */
  private final Policer[][] policers = new Policer[EgressStage.MAX_PORTS][];

  private L2Tables appliedTables;
  private Plan appliedPlan;
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
    this.worker = worker;
    this.counters = counters;
    this.l2 = l2;
    Port[] byIndex = new Port[counters.capacity()];
    for (Port port : ports) {
      byIndex[port.index()] = port;
    }
    this.plan = plan(queues, byIndex, null);
    this.learn = new LearnStage(l2.fdb());
    this.forward = new ForwardStage(l2.fdb());
    this.acl = new AclStage(worker);
    this.egress = new EgressStage(pool, acl);
    this.hz = Eal.current().tscHz();
  }

  /**
   * Builds a plan, reusing the transmit buffers of ports that stay (they are empty between passes).
   */
  private Plan plan(List<RxQueue> queues, Port[] byIndex, Plan previous) {
    if (byIndex.length > EgressStage.MAX_PORTS) {
      throw new IllegalArgumentException("at most " + EgressStage.MAX_PORTS + " ports");
    }
    RxQueue[] rx = queues.toArray(RxQueue[]::new);
    CounterSlot[] rxCounters = new CounterSlot[rx.length];
    for (int q = 0; q < rx.length; q++) {
      rxCounters[q] = counters.slot(worker, rx[q].port().index());
    }
    TxBuffer[] tx = new TxBuffer[byIndex.length];
    for (int i = 0; i < byIndex.length; i++) {
      Port port = byIndex[i];
      if (port == null) {
        continue;
      }
      TxBuffer old = previous == null || i >= previous.tx.length ? null : previous.tx[i];
      tx[i] =
          old != null && old.port() == port
              ? old
              : new TxBuffer(port, worker, counters.slot(worker, i), arena);
    }
    return new Plan(rx, rxCounters, tx);
  }

  @Override
  public void replan(List<RxQueue> queues, Port[] portsByIndex) {
    plan = plan(queues, portsByIndex, plan);
  }

  @Override
  public long passes() {
    return (long) PASSES.getOpaque(this);
  }

  @Override
  public int doWork() {
    L2Tables tables = l2.tables();
    Plan current = plan; // one read per pass: a new plan takes effect here
    if (tables != appliedTables || current != appliedPlan) {
      apply(tables, current);
    }
    long now = FdbClock.nowSeconds();
    long tsc = timed ? Eal.rdtsc() : 0;
    int work = 0;
    for (int p : shaped) {
      work += current.tx[p].release(tsc);
    }
    for (int q = 0; q < current.queues.length; q++) {
      work += switchBurst(current, q, tables, now, tsc);
    }
    if (shaped.length > 0) {
      flush(current.tx); // what the shapers released on a pass with no burst to carry it
    }
    PASSES.setOpaque(this, (long) PASSES.getOpaque(this) + 1);
    return work;
  }

  /**
   * Takes in new tables or a new plan: makes, keeps or drops each policer and shaper by whether its
   * spec changed. Runs on the worker, once per publish; allocates only for what changed.
   */
  private void apply(L2Tables tables, Plan current) {
    long tsc = Eal.rdtsc();
    boolean any = false;
    for (RxQueue in : current.queues) {
      int p = in.port().index();
      PortPolicy policy = p < tables.portCount() ? tables.port(p) : null;
      PolicerSpec spec = policy == null ? null : policy.policer();
      if (spec == null) {
        if (policers[p] != null) {
          policers[p][in.queue()] = null;
        }
        continue;
      }
      if (policers[p] == null) {
        policers[p] = new Policer[64];
      }
      Policer old = policers[p][in.queue()];
      if (old == null || !old.spec().equals(spec)) {
        policers[p][in.queue()] = new Policer(spec, hz, tsc);
      }
      any = true;
    }
    int[] nextShaped = new int[current.tx.length];
    int n = 0;
    for (int p = 0; p < current.tx.length; p++) {
      TxBuffer tx = current.tx[p];
      if (tx == null) {
        continue;
      }
      PortPolicy policy = p < tables.portCount() ? tables.port(p) : null;
      ShaperSpec spec = policy == null ? null : policy.shaper();
      tx.mtu(policy == null ? PortPolicy.DEFAULT_MTU : policy.mtu);
      Shaper shaper = tx.shaper();
      if (spec == null) {
        tx.shape(null);
      } else if (shaper == null || shaper.spec().queue() != spec.queue()) {
        tx.shape(new Shaper(spec, hz, tsc));
      } else if (!shaper.spec().equals(spec)) {
        shaper.respec(spec);
      }
      if (spec != null) {
        nextShaped[n++] = p;
      }
    }
    shaped = java.util.Arrays.copyOf(nextShaped, n);
    timed = any || n > 0;
    appliedTables = tables;
    appliedPlan = current;
  }

  private int switchBurst(Plan current, int q, L2Tables tables, long now, long tsc) {
    RxQueue in = current.queues[q];
    int received = in.port().receive(in.queue(), ctx.batch());
    if (received == 0) {
      return 0;
    }
    long start = System.nanoTime();
    CounterSlot counters = current.rxCounters[q];
    TxBuffer[] tx = current.tx;
    PortPolicy port = tables.port(in.port().index());
    if (port == null) { // the port is being added or removed: tables and plan disagree briefly
      notReady(counters, received);
      return received;
    }
    ctx.begin(port.index, received, counters);
    parse.run(ctx);
    MtuCheck.ingress(ctx, port.mtu);
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
    Policer[] portPolicers = policers[port.index];
    Policer policer = portPolicers == null ? null : portPolicers[in.queue()];
    if (policer != null) {
      policer.refill(tsc);
    }
    if (policer != null || port.marks()) {
      qos.run(ctx, port, policer);
    }
    if (port.learning) {
      learn.run(ctx, now, port.macLimit);
    }
    forward.run(ctx, tables, now);
    if (acls) {
      acl.egress(ctx, tables);
    }
    egress.run(ctx, tables, tx);
    ctx.freeDropped();
    flush(tx);
    latency.recordValue(Math.min(System.nanoTime() - start, MAX_LATENCY_NS));
    return received;
  }

  /**
   * A burst from a port the tables do not have: counted as received and dropped (port_not_ready) so
   * rx = tx + drops holds through a port's add and removal, then freed.
   */
  private void notReady(CounterSlot counters, int received) {
    long bytes = 0;
    for (int i = 0; i < received; i++) {
      bytes += Mbuf.packetLength(ctx.batch().mbuf(i));
    }
    counters.add(PortCounter.RX_PACKETS, received);
    counters.add(PortCounter.RX_BYTES, bytes);
    counters.addDrop(DropReason.PORT_NOT_READY, received);
    ctx.batch().freeAll();
  }

  /** The per-burst latency recorder; the control thread takes interval histograms from it. */
  public SingleWriterRecorder latency() {
    return latency;
  }

  private long receivedBytes(int count) {
    long bytes = 0;
    for (int i = 0; i < count; i++) {
      bytes += ctx.length[i];
    }
    return bytes;
  }

  private static void flush(TxBuffer[] tx) {
    for (TxBuffer buffer : tx) {
      if (buffer != null && !buffer.isEmpty()) {
        buffer.flush();
      }
    }
  }

  @Override
  public void onClose() {
    for (TxBuffer buffer : plan.tx) {
      if (buffer != null) {
        buffer.discard();
      }
    }
    ctx.batch().freeAll();
    arena.close();
  }

  @Override
  public String roleName() {
    return "l2";
  }
}
