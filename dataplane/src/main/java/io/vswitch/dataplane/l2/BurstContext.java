package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.l2.tap.TraceInStage;
import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.stats.CounterSlot;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.worker.PassClock;
import java.lang.foreign.Arena;

/**
 * The burst in flight, as the stages see it: per-burst facts (its port and that port's policy, the
 * tables, the pass's clock, the worker's transmit set) and per-packet metadata as parallel arrays
 * (structure of arrays): each stage reads the fields earlier stages wrote and loops over the burst
 * once. Allocated once per worker; {@link #begin} resets it per burst.
 *
 * <p>A dropped packet has a non-zero {@code drop[i]} and is skipped by every later stage; its mbuf
 * is collected in {@link #dropped} and freed with one downcall at the end of the burst.
 */
public final class BurstContext {
  /** Egress marker: send to every other member of the VLAN. */
  public static final int FLOOD = -2;

  public final PacketBatch batch;
  public final PacketBatch dropped;

  /**
   * The burst's mbufs, copied from the batch's off-heap array by the parse stage: later stages read
   * a plain array rather than packet memory.
   */
  public final long[] mbuf = new long[PacketBatch.MAX_BURST];

  public final long[] frame = new long[PacketBatch.MAX_BURST];

  /** Bytes of the first segment: what a header read may reach. */
  public final int[] readable = new int[PacketBatch.MAX_BURST];

  /** The packet's length (pkt_len); after the egress rewrite, the length it leaves with. */
  public final int[] length = new int[PacketBatch.MAX_BURST];

  public final long[] dstMac = new long[PacketBatch.MAX_BURST];
  public final long[] srcMac = new long[PacketBatch.MAX_BURST];

  /** 0: untagged; else the TCI of the 802.1Q tag at offset 12 with bit 16 set. */
  public final int[] tag = new int[PacketBatch.MAX_BURST];

  public final int[] etherType = new int[PacketBatch.MAX_BURST];
  public final int[] l3Offset = new int[PacketBatch.MAX_BURST];
  public final int[] vlan = new int[PacketBatch.MAX_BURST];

  /** The unicast egress port, or {@link #FLOOD}. */
  public final int[] egress = new int[PacketBatch.MAX_BURST];

  /**
   * Egress ports as a mask (bit = port index): from {@link ForwardStage}, narrowed by the egress
   * filter and ACLs; after {@link ReplicateStage}, the ports that get the original mbuf.
   */
  public final long[] out = new long[PacketBatch.MAX_BURST];

  /** After {@link ReplicateStage}: the ports that get {@link #copy}, the other encapsulation. */
  public final long[] copyOut = new long[PacketBatch.MAX_BURST];

  /** The copy's length after its rewrite. */
  public final int[] copyLength = new int[PacketBatch.MAX_BURST];

  /** A copy of the frame for the ports that want the other encapsulation, where {@link #copies}. */
  public final long[] copy = new long[PacketBatch.MAX_BURST];

  /** Bit i: packet i has a {@link #copy} (and {@link #copyOut}, {@link #copyLength}). */
  public int copies;

  /** Bit i: packet i's original leaves in the other encapsulation (all its ports want it so). */
  int retagged;

  public final byte[] drop = new byte[PacketBatch.MAX_BURST];

  /** 802.1p priority a tagged egress gets, or -1 to keep the frame's own (0 when it had none). */
  public final int[] pcp = new int[PacketBatch.MAX_BURST];

  /** ACL keys of the burst, extracted when some port of the tables has an ACL. */
  public final io.vswitch.dataplane.acl.AclKeys aclKeys = new io.vswitch.dataplane.acl.AclKeys();

  /** Extracts the ACL keys of the packets in {@code packets} from what the parse stage found. */
  void extractAclKeys(int packets) {
    aclKeys.extract(packets, frame, readable, etherType, srcMac, dstMac, vlan, l3Offset);
  }

  /** Classifier results (rule index or -1), per packet. */
  public final int[] aclRule = new int[PacketBatch.MAX_BURST];

  /** The policer's colour (green 0, yellow 1, red 2), written by {@link PoliceStage}. */
  public final byte[] color = new byte[PacketBatch.MAX_BURST];

  /** Bit i: packet i is traced, in slot {@link #traceSlot}[i]; set by {@link TraceInStage}. */
  public int traced;

  public final int[] traceSlot = new int[PacketBatch.MAX_BURST];

  /**
   * Connection-tracking result per packet ({@link io.vswitch.dataplane.conntrack.CtResult}: the
   * state, the reply bit, the entry), from {@link ConntrackStage} when the tables track
   * connections.
   */
  public final int[] ctState = new int[PacketBatch.MAX_BURST];

  /**
   * The conntrack fields of each packet of the burst, parsed by {@link ConntrackStage} and used
   * again by {@link CtCommitStage} for the commit of the NEW connections the ingress ACL allowed.
   */
  final io.vswitch.dataplane.conntrack.CtPacket[] ctPacket =
      new io.vswitch.dataplane.conntrack.CtPacket[PacketBatch.MAX_BURST];

  /** Conntrack's clock for the burst (milliseconds): the pass's, from its {@link PassClock}. */
  long ctNow;

  public int count;

  /**
   * The burst's longest frame ({@link ParseStage}); {@link Integer#MAX_VALUE} until the parse ran.
   * A stage that bounds lengths passes a burst by when even this one is within the bound.
   */
  int longest;

  static {
    if (PacketBatch.MAX_BURST > Integer.SIZE) {
      throw new ExceptionInInitializerError("a burst's packets are the bits of an int");
    }
  }

  /** Bit i set: packet i of the burst exists; and: packet i was dropped. */
  private int all;

  private int dropMask;

  /** Bit i: packet i's L2 decision came from the worker's {@link L2FlowCache}. */
  private int decided;

  /** The FDB generation the cache's decisions of this burst hold at. */
  long decidedAt;

  /**
   * Bit i: the FDB refused packet i's source ({@link LearnStage}); its decision is not cached, so
   * the next frame from it tries (and counts) again.
   */
  public int learnRefused;

  public int ingressPort;

  /** The port the burst was received on: {@link #ingressPort}, or the team member under it. */
  public int rxPort;

  CounterSlot ingressCounters;

  /** The burst's port's policy, and the tables it comes from. */
  public PortPolicy port;

  public L2Tables tables;

  /** The receive queue the burst came from. */
  public int rxQueue;

  /** The pass's TSC time and FDB seconds. */
  long tsc;

  public long seconds;

  /** Where this worker's frames go out. */
  public TxSet tx;

  public BurstContext(Arena arena) {
    this(new PacketBatch(arena), arena);
  }

  /** A context over an existing batch (benchmarks that replay one burst). */
  public BurstContext(PacketBatch batch, Arena arena) {
    this.batch = batch;
    this.dropped = new PacketBatch(arena);
    for (int i = 0; i < ctPacket.length; i++) {
      ctPacket[i] = new io.vswitch.dataplane.conntrack.CtPacket();
    }
  }

  /** The batch bursts are received into. */
  public PacketBatch batch() {
    return batch;
  }

  /** Starts a burst of {@code count} packets from receive queue {@code rxQueue} of a port. */
  public void begin(
      L2Tables tables,
      PortPolicy port,
      int rxQueue,
      int count,
      CounterSlot counters,
      TxSet tx,
      PassClock clock) {
    this.tables = tables;
    this.port = port;
    this.rxQueue = rxQueue;
    this.tx = tx;
    this.tsc = clock.now();
    this.seconds = clock.seconds();
    this.ctNow = clock.millis();
    begin(port.index, count, counters);
  }

  /** Starts a burst of {@code count} packets received on {@code port} (tests of one stage). */
  public void begin(int port, int count, CounterSlot counters) {
    this.ingressPort = port;
    this.rxPort = port;
    this.count = count;
    this.longest = Integer.MAX_VALUE;
    this.ingressCounters = counters;
    java.util.Arrays.fill(drop, 0, count, (byte) 0);
    java.util.Arrays.fill(pcp, 0, count, -1);
    this.all = count == 32 ? -1 : (1 << count) - 1;
    this.dropMask = 0;
    this.decided = 0;
    this.learnRefused = 0;
    this.copies = 0;
    this.retagged = 0;
  }

  /**
   * The packets not dropped, bit i for packet i. A stage that runs on every burst visits them with
   * a counted loop to the highest live bit, {@code for (i = 0; i < end; i++) if ((live & 1 << i) ==
   * 0) continue;}: C2 then checks each array's bounds once, before the loop, where a walk over the
   * bits ({@code live &= live - 1} and {@code numberOfTrailingZeros}) gives it no induction
   * variable, so every array access is checked per packet (the egress rewrite's share of the
   * samples fell from 16.6% to 9.8% with the change, stop 30). The walk stays where few packets go.
   */
  public int live() {
    return all & ~dropMask;
  }

  /**
   * The live packets whose L2 decision is still to be made: all of them, but those the flow cache
   * decided ({@link FlowCacheStage}). Learning, forwarding, the egress filter and replication walk
   * these.
   */
  public int undecided() {
    return all & ~dropMask & ~decided;
  }

  /**
   * Marks the packets of {@code mask} as decided by the flow cache, from decisions made at FDB
   * generation {@code fdbGeneration}.
   */
  void decide(int mask, long fdbGeneration) {
    decided |= mask;
    decidedAt = fdbGeneration;
  }

  /** The packets the flow cache decided. */
  int decided() {
    return decided;
  }

  /**
   * The burst's own learning changed the FDB after the cache decided: the full path decides every
   * packet again, as it would have after that learning.
   */
  void undecide() {
    retagged &= ~decided;
    decided = 0;
  }

  public int count() {
    return count;
  }

  public int ingressPort() {
    return ingressPort;
  }

  /** Says the burst came in on {@code port}, a member of the team it is switched as. */
  public void receivedOn(int port) {
    this.rxPort = port;
  }

  /** Sets what the agent's {@link #begin} would: for tests and benches that run single stages. */
  public void use(L2Tables tables, PortPolicy port, TxSet tx, long tsc, long seconds) {
    this.tables = tables;
    this.port = port;
    this.tx = tx;
    this.tsc = tsc;
    this.seconds = seconds;
    this.ctNow = io.vswitch.dataplane.conntrack.CtClock.nowMillis();
  }

  public boolean isDropped(int i) {
    return drop[i] != 0;
  }

  /** Drops packet i (which is {@link #live}), counted against the ingress port. */
  public void drop(int i, DropReason reason) {
    drop[i] = (byte) (reason.ordinal() + 1);
    dropMask |= 1 << i;
    dropped.add(mbuf[i]);
    ingressCounters.addDrop(reason, 1);
  }

  /**
   * Takes packet i (which is {@link #live}) out of the burst without freeing or counting it: the
   * stage has queued it itself or handed it on (a decapsulated frame enters again by its tunnel).
   */
  public void take(int i) {
    dropMask |= 1 << i;
  }

  /** Counts {@code n} frames that never existed as mbufs (copies that could not be made). */
  public void countDrops(DropReason reason, int n) {
    ingressCounters.addDrop(reason, n);
  }

  /** Frees the mbufs of dropped packets (one downcall). */
  public void freeDropped() {
    dropped.freeAll();
  }

  /** The reason packet i was dropped, or null; for tests. */
  public DropReason dropReason(int i) {
    return drop[i] == 0 ? null : DropReason.values()[drop[i] - 1];
  }
}
