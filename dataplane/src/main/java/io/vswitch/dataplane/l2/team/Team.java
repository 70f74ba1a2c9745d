package io.vswitch.dataplane.l2.team;

import io.vswitch.dataplane.l2.L2Tables;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * An uplink team (vSphere VDS's NIC teaming): member ports that are one logical port of the L2
 * switch. The tables give the team a slot of its own ({@link #index}, above the ports' slots) with
 * the team's port policy, so the FDB learns on the team, floods count it once and the ingress rule
 * (never back out of the port a frame came in on) covers every member: a frame received on one
 * member is never sent out of another. Members are in no VLAN's member set themselves.
 *
 * <p>Which member carries a frame is a selection table of {@link #BUCKETS} entries (a member's port
 * slot, or {@link #NONE}), published whole by the control thread through a volatile field and read
 * by {@link TeamTxStage}: no lock, no allocation, and a failover is one reference store. Entry
 * {@link #BUCKETS} is the member that receives the team's broadcast and multicast ({@link
 * TeamRxStage}: ESXi accepts group frames on one uplink only, or a physical switch flooding out of
 * both links would deliver every broadcast twice).
 *
 * <p>Policies, as VDS's load-balancing setting: {@code FAILOVER} (explicit failover order: the
 * first healthy member of the active list, then of the standby list, carries everything), {@code
 * SRC_PORT} ("route based on originating virtual port": the bucket is the ingress port's slot) and
 * {@code SRC_MAC} (the bucket is a hash of the source MAC). In the load-balancing policies each
 * bucket keeps its member while that member is healthy, so a failure moves only the ports or MACs
 * that were on the failed member.
 *
 * <p>Health and the selection are computed by the control thread ({@link #update}); the workers
 * only read the selection and count probe replies ({@link #replySeen}). A republished table takes
 * over the health of the team of the same name ({@link #inherit}), so a config change does not
 * reset a failover.
 *
 * <p>A LACP team (IEEE 802.1AX link aggregation, {@link #lacp} set) is one of the load-balancing
 * policies whose members' health is the protocol's: a member carries only once its mux is
 * COLLECTING_DISTRIBUTING, which the control thread decides and publishes through {@link #update}
 * like any health; members start down. The workers also read {@link #collecting} (data is taken
 * only from collecting members) and punt every slow-protocol frame into the team's {@link
 * #slowProtocols} ring ({@link LacpRxStage}); the control thread publishes each member's protocol
 * state as a {@link LacpView} for the API and metrics.
 */
public final class Team {
  /** Selection buckets: 256, so a slot index or a MAC hash byte picks one. */
  public static final int BUCKETS = 256;

  /** At most this many teams; their slots are the last of the tables'. */
  public static final int MAX_TEAMS = 4;

  /** No member can carry the frame. */
  public static final int NONE = -1;

  /** VDS's load-balancing policies. */
  public enum Policy {
    FAILOVER,
    SRC_PORT,
    SRC_MAC
  }

  public final String name;

  /** The team's logical port slot in the tables. */
  public final int index;

  public final Policy policy;

  /** Member names, active ones first, then standby, in failover order. */
  private final String[] memberNames;

  /** Each member's port slot, or -1 where the port is not open (yet). */
  private final int[] slots;

  private final int activeCount;
  private final boolean failback;

  /**
   * An ARP probe: requests for {@code target} from {@code mac} and {@code source} (0: an RFC 5227
   * probe), tagged with {@code vlan} (or untagged: -1), every {@code intervalMs}; a member is down
   * after {@code misses} intervals without a reply on it.
   */
  public record Probe(long mac, int target, int source, int vlan, int intervalMs, int misses) {}

  /** The probe, or null when health is the link state alone. */
  public final Probe probe;

  /** Whether a failover sends RARPs for the local MACs out of their new member (VDS's default). */
  public final boolean notifySwitches;

  /**
   * The LACP actor of a team: {@code active} (sends LACPDUs unasked) or passive (answers an active
   * partner only), {@code fast} (asks the partner for a LACPDU every second, else every 30 s), the
   * system priority, the system MAC (0: the first member port's MAC, taken when the port opens) and
   * the aggregation key its members share.
   */
  public record Lacp(boolean active, boolean fast, int systemPriority, long system, int key) {}

  /** The LACP actor, or null when this is not a LACP team. */
  public final Lacp lacp;

  /**
   * One member's LACP state as the control thread last published it: the receive and mux machines'
   * states, our system, key and port, the actor and partner state octets (802.1AX 6.4.2.3), the
   * partner's system, key and port, the member's slow-protocol counters (received, sent, malformed,
   * our own looped back) and its Marker responder's (802.1AX 6.5: Marker PDUs received, Marker
   * Responses sent, malformed Marker PDUs (counted in {@code bad} too), responses dropped over the
   * rate limit or the link going down).
   */
  public record LacpView(
      String receive,
      String mux,
      int actorSystemPriority,
      long actorSystem,
      int actorKey,
      int actorPort,
      int actorState,
      int partnerState,
      int partnerSystemPriority,
      long partnerSystem,
      int partnerKey,
      int partnerPort,
      long rx,
      long tx,
      long bad,
      long looped,
      long markers,
      long markersAnswered,
      long markersBad,
      long markersDropped) {}

  /** The MAC the ARP probe sends from (replies to it are the probe's), 0 when no probe. */
  public final long probeMac;

  /** The probe's target IPv4 address, 0 when no probe. */
  public final int probeTarget;

  /** Member ordinal by port slot, -1 for ports that are no member. */
  private final int[] ordinalBySlot = new int[L2Tables.MAX_PORTS];

  private volatile int[] select;

  /** LACP: the port slots of the collecting members, as a mask (read by the workers). */
  private volatile long collecting;

  /** LACP: slow-protocol frames the workers received on the members; null otherwise. */
  private SlowProtocolRing slowProtocols;

  private volatile LacpView[] lacpViews;

  /** Probe replies received per member (written by workers, read by the control thread). */
  private AtomicLongArray replies;

  // Control-thread state, taken over by the next tables' team of the same name.
  private boolean[] up;
  private int[] carriers = new int[0];
  private long failovers;
  private long failbacks;

  /**
   * @param members active members first, then standby ones
   * @param slots each member's port slot, -1 for one not open
   * @param activeCount how many of {@code members} are active
   */
  public Team(
      String name,
      int index,
      Policy policy,
      String[] members,
      int[] slots,
      int activeCount,
      boolean failback,
      Probe probe,
      boolean notifySwitches) {
    this(name, index, policy, members, slots, activeCount, failback, probe, notifySwitches, null);
  }

  /** As the other constructor; with {@code lacp} set, a LACP team (members start down). */
  public Team(
      String name,
      int index,
      Policy policy,
      String[] members,
      int[] slots,
      int activeCount,
      boolean failback,
      Probe probe,
      boolean notifySwitches,
      Lacp lacp) {
    if (members.length == 0 || members.length != slots.length) {
      throw new IllegalArgumentException("team " + name + ": members and slots differ");
    }
    if (activeCount < 1 || activeCount > members.length) {
      throw new IllegalArgumentException("team " + name + ": " + activeCount + " active members");
    }
    this.name = name;
    this.index = index;
    this.policy = policy;
    this.memberNames = members.clone();
    this.slots = slots.clone();
    this.activeCount = activeCount;
    this.failback = failback;
    this.probe = probe;
    this.notifySwitches = notifySwitches;
    this.probeMac = probe == null ? 0 : probe.mac();
    this.probeTarget = probe == null ? 0 : probe.target();
    Arrays.fill(ordinalBySlot, -1);
    for (int m = 0; m < slots.length; m++) {
      if (slots[m] >= 0) {
        ordinalBySlot[slots[m]] = m;
      }
    }
    this.replies = new AtomicLongArray(members.length);
    this.up = new boolean[members.length];
    this.lacp = lacp;
    if (lacp != null) {
      if (policy == Policy.FAILOVER || activeCount != members.length) {
        throw new IllegalArgumentException("team " + name + ": LACP balances over every member");
      }
      this.slowProtocols = new SlowProtocolRing();
      this.lacpViews = new LacpView[members.length];
    } else {
      Arrays.fill(up, true); // until a check says otherwise
    }
    this.select = table(choose(up, null));
    this.carriers = choose(up, null);
  }

  /** Member count. */
  public int size() {
    return slots.length;
  }

  public String memberName(int m) {
    return memberNames[m];
  }

  /** Member m's port slot, or -1. */
  public int slot(int m) {
    return slots[m];
  }

  /** Whether member m is on the active list (else standby). */
  public boolean isActive(int m) {
    return m < activeCount;
  }

  /** The member ordinal of port slot {@code slot}, or -1. */
  public int ordinalOf(int slot) {
    return slot >= 0 && slot < ordinalBySlot.length ? ordinalBySlot[slot] : -1;
  }

  /** Port slots of the members, as a mask. */
  public long memberMask() {
    long mask = 0;
    for (int s : slots) {
      mask |= s >= 0 ? 1L << s : 0;
    }
    return mask;
  }

  /** The published selection: {@link #BUCKETS} member slots, then the group receiver. */
  public int[] selection() {
    return select;
  }

  /**
   * The port slot that carries bucket {@code bucket} now, or {@link #NONE}; for tests and tools.
   */
  public int carrierOf(int bucket) {
    return select[bucket & (BUCKETS - 1)];
  }

  /** The port slot whose received broadcast and multicast are switched, or {@link #NONE}. */
  public int groupReceiver() {
    return select[BUCKETS];
  }

  /** The bucket a frame from ingress slot {@code port} with source {@code srcMac} falls in. */
  public int bucket(int port, long srcMac) {
    return policy == Policy.SRC_MAC ? macBucket(srcMac) : port & (BUCKETS - 1);
  }

  /** A source MAC's bucket: the top byte of a Fibonacci hash, so all 48 bits count. */
  public static int macBucket(long mac) {
    return (int) ((mac * 0x9E37_79B9_7F4A_7C15L) >>> 56);
  }

  /** LACP: whether port slot {@code slot} is a collecting member (its data frames are taken). */
  public boolean isCollecting(int slot) {
    return ((collecting >>> slot) & 1) != 0;
  }

  /** LACP: the collecting members' port slots as a mask; one volatile read. */
  public long collectingMask() {
    return collecting;
  }

  /** LACP: publishes which members collect, as member ordinals. Control thread. */
  public void setCollecting(boolean[] members) {
    long mask = 0;
    for (int m = 0; m < members.length && m < slots.length; m++) {
      mask |= members[m] && slots[m] >= 0 ? 1L << slots[m] : 0;
    }
    collecting = mask;
  }

  /**
   * LACP: the ring the workers punt slow-protocol frames into; null for other teams. Set before the
   * tables are published (constructor or {@link #inherit}), so a plain read: no lock on a worker.
   */
  public SlowProtocolRing slowProtocols() {
    return slowProtocols;
  }

  /** LACP: member m's protocol state as last published, or null (none yet, or not LACP). */
  public LacpView lacpView(int m) {
    LacpView[] views = lacpViews;
    return views == null ? null : views[m];
  }

  /** LACP: publishes every member's protocol state. Control thread. */
  public void publishLacp(LacpView[] views) {
    if (lacp != null && views.length == slots.length) {
      lacpViews = views.clone();
    }
  }

  /** A worker saw a reply to the probe on member m. */
  void replySeen(int m) {
    replies.getAndIncrement(m);
  }

  /** Probe replies seen on member m so far. */
  public long replies(int m) {
    return replies.get(m);
  }

  /** Whether member m is healthy, as last decided by {@link #update}. */
  public synchronized boolean isUp(int m) {
    return up[m];
  }

  /** Member ordinals carrying traffic now, in failover order. */
  public synchronized int[] carriers() {
    return carriers.clone();
  }

  public synchronized long failovers() {
    return failovers;
  }

  public synchronized long failbacks() {
    return failbacks;
  }

  /**
   * Takes over the state of the previous tables' team (same name and members): health, carriers,
   * counters and probe replies. Control thread, before these tables are published.
   */
  public synchronized void inherit(Team previous) {
    if (!Arrays.equals(previous.memberNames, memberNames)
        || (lacp == null) != (previous.lacp == null)) {
      return; // a different team under the same name: it starts afresh
    }
    synchronized (previous) {
      this.replies = previous.replies;
      this.failovers = previous.failovers;
      this.failbacks = previous.failbacks;
      this.up = previous.up.clone();
      this.carriers = choose(up, previous.carriers);
      this.select = table(carriers);
      if (lacp != null && previous.lacp != null) {
        this.slowProtocols = previous.slowProtocols;
        this.lacpViews = previous.lacpViews;
        this.collecting = previous.collecting;
      }
    }
  }

  /** What {@link #update} did. */
  public enum Change {
    NONE,
    FAILOVER,
    FAILBACK,
    REBALANCE
  }

  /**
   * New health for each member: recomputes the carriers and, when they changed, publishes a new
   * selection (one volatile store). Control thread. A move off a member that went down is a
   * failover; a move back to a preferred member that came back (failback) is a failback; a member
   * added to the carriers without anyone leaving is a rebalance.
   */
  public synchronized Change update(boolean[] healthy) {
    boolean[] next = healthy.clone();
    int[] chosen = choose(next, carriers);
    this.up = next;
    if (Arrays.equals(chosen, carriers)) {
      return Change.NONE;
    }
    Change change = Change.REBALANCE;
    for (int c : carriers) {
      if (!contains(chosen, c)) {
        change = next[c] ? Change.FAILBACK : Change.FAILOVER;
        if (change == Change.FAILOVER) {
          break;
        }
      }
    }
    if (change == Change.FAILOVER) {
      failovers++;
    } else if (change == Change.FAILBACK) {
      failbacks++;
    }
    carriers = chosen;
    select = table(chosen);
    return change;
  }

  /**
   * The carriers for this health. Failover: the first healthy member in order (active, then
   * standby); without failback the current carrier stays while it is healthy. Load balancing: the
   * healthy active members, or, when none is, the first healthy standby one.
   */
  private int[] choose(boolean[] healthy, int[] current) {
    int[] usable = new int[slots.length];
    int n = 0;
    for (int m = 0; m < slots.length; m++) {
      if (healthy[m] && slots[m] >= 0) {
        usable[n++] = m;
      }
    }
    if (n == 0) {
      return new int[0];
    }
    if (policy == Policy.FAILOVER) {
      if (!failback && current != null && current.length == 1) {
        int c = current[0];
        if (c < healthy.length && healthy[c] && slots[c] >= 0) {
          return new int[] {c};
        }
      }
      return new int[] {usable[0]};
    }
    int actives = 0;
    while (actives < n && usable[actives] < activeCount) {
      actives++;
    }
    return actives > 0 ? Arrays.copyOf(usable, actives) : new int[] {usable[0]};
  }

  /**
   * The selection for these carriers: in load balancing, bucket b belongs to active member b mod
   * actives while that one carries, else to carrier b mod carriers; so buckets of healthy members
   * never move. The last entry is the group receiver, the first carrier.
   */
  private int[] table(int[] chosen) {
    int[] t = new int[BUCKETS + 1];
    if (chosen.length == 0) {
      Arrays.fill(t, NONE);
      return t;
    }
    for (int b = 0; b < BUCKETS; b++) {
      int home = b % activeCount;
      int m = contains(chosen, home) ? home : chosen[b % chosen.length];
      t[b] = slots[policy == Policy.FAILOVER ? chosen[0] : m];
    }
    t[BUCKETS] = slots[chosen[0]];
    return t;
  }

  private static boolean contains(int[] a, int v) {
    for (int x : a) {
      if (x == v) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "team " + name + Arrays.toString(memberNames);
  }
}
