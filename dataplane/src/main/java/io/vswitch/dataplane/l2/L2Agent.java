package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.CounterSlot;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.worker.Agent;
import io.vswitch.dataplane.worker.RxQueue;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * One worker's L2 switch: for each receive queue it owns, a burst goes through
 *
 * <pre>
 *   rx → parse → ingress security → VLAN classify → learn → forward → egress (VLAN rewrite,
 *        flood by reference count) → tx
 * </pre>
 *
 * Features a port does not use are skipped for the whole burst (a burst comes from one port), so
 * they cost nothing there. The tables are read once per pass, which is when a published change
 * takes effect.
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
    this.egress = new EgressStage(pool);
  }

  @Override
  public int doWork() {
    L2Tables tables = l2.tables();
    long now = FdbClock.nowSeconds();
    int work = 0;
    for (int q = 0; q < queues.length; q++) {
      work += switchBurst(q, tables, now);
    }
    return work;
  }

  private int switchBurst(int q, L2Tables tables, long now) {
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
    if (port.learning) {
      learn.run(ctx, now);
    }
    forward.run(ctx, tables, now);
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
