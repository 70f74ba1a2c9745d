package io.vswitch.dataplane.acl;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.stats.DropReason;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A compiled, immutable ACL: rules sorted by priority, the default action for packets no rule
 * matches, the classifier, and hit counters. Published with the L2 tables; a change of rules makes
 * a new Acl (and new counters), which the workers pick up at their next pass.
 *
 * <p>Packets whose L4 part is not all there ({@link AclKeys#l4}) are decided before the classifier,
 * so that a missing port is never taken for a port: RFC 1858/3128 tiny or overlapping TCP fragments
 * are dropped; non-first fragments follow the ACL's fragment policy (allowed: classified with ports
 * absent, so only rules without ports or flags can match them; denied: dropped), which defaults to
 * deny when a rule looks at L4 (protocol, ports, flags), as OVS's frag_handling drop; an L4 header
 * that cannot be found is dropped when a rule looks at L4 and classified (ports absent) otherwise.
 *
 * <p>Counters: one stripe per worker (each worker writes only its own, plain stores, like the
 * counter file), a slot per rule plus one for the default. Stripes are padded to 64 bytes so that
 * two workers never write one cache line.
 */
public final class Acl {
  private static final java.util.concurrent.atomic.AtomicInteger IDS =
      new java.util.concurrent.atomic.AtomicInteger();

  private final int id = IDS.incrementAndGet();
  private final String name;
  private final List<AclRule> rules;
  private final boolean[] allow;
  private final boolean defaultAllow;
  private final AclTree tree;
  private final long[] hits;
  private final int stride;
  private final boolean l4Rules;
  private final boolean allowFragments;
  private final boolean ctRules;
  private final boolean macRules;

  /**
   * @param workers how many workers count hits (stripes)
   */
  public Acl(String name, List<AclRule> rules, boolean defaultAllow, int workers) {
    this(name, rules, defaultAllow, null, workers);
  }

  /**
   * @param allowFragments whether non-first fragments are classified (true) or dropped (false);
   *     null: dropped when a rule looks at L4, classified otherwise
   * @param workers how many workers count hits (stripes)
   */
  public Acl(
      String name, List<AclRule> rules, boolean defaultAllow, Boolean allowFragments, int workers) {
    List<AclRule> sorted = new ArrayList<>(rules);
    // Stable: rules of one priority keep their order. The config allows one rule per priority; a
    // security-group rule compiles to several (one per address pair), all with its priority, all
    // with its action, so which of them matches first never changes a verdict.
    sorted.sort(Comparator.comparingInt(AclRule::priority));
    for (int r = 1; r < sorted.size(); r++) {
      if (sorted.get(r).priority == sorted.get(r - 1).priority
          && sorted.get(r).allow != sorted.get(r - 1).allow) {
        throw new IllegalArgumentException(
            "ACL " + name + ": two rules with priority " + sorted.get(r).priority);
      }
    }
    this.name = name;
    this.rules = List.copyOf(sorted);
    this.allow = new boolean[sorted.size() + 1];
    for (int r = 0; r < sorted.size(); r++) {
      allow[r] = sorted.get(r).allow;
    }
    allow[sorted.size()] = defaultAllow;
    this.defaultAllow = defaultAllow;
    this.tree = new AclTree(this.rules);
    this.stride = ((sorted.size() + 1 + 7) & ~7) + 8;
    this.hits = new long[stride * Math.max(1, workers)];
    this.l4Rules = sorted.stream().anyMatch(AclRule::l4);
    this.allowFragments = allowFragments != null ? allowFragments : !l4Rules;
    this.ctRules = sorted.stream().anyMatch(AclRule::usesCtState);
    this.macRules = sorted.stream().anyMatch(AclRule::usesMacs);
  }

  /**
   * Whether a rule matches on a MAC address: the flow cache's IPv4 keys ({@link V4FlowTable}) leave
   * the MACs out, so only an ACL without such rules uses them.
   */
  public boolean matchesMacs() {
    return macRules;
  }

  /**
   * Whether a rule matches on the connection state: then the switch tracks connections, and a
   * packet this ACL refuses whose state is invalid is counted as {@code ct_invalid}.
   */
  public boolean usesCtState() {
    return ctRules;
  }

  /** Whether a rule looks at the protocol, ports or TCP flags. */
  public boolean hasL4Rules() {
    return l4Rules;
  }

  /** Whether non-first fragments are classified (true) or dropped. */
  public boolean allowsFragments() {
    return allowFragments;
  }

  /**
   * Why a packet with L4 status {@code l4} ({@link AclKeys#l4}) is dropped before it is classified,
   * or null when the classifier decides it.
   */
  public DropReason l4Drop(byte l4) {
    return switch (l4) {
      case AclKeys.L4_OK -> null;
      case AclKeys.L4_FRAGMENT -> allowFragments ? null : DropReason.ACL_FRAGMENT;
      case AclKeys.L4_UNKNOWN -> l4Rules ? DropReason.ACL_L4_UNKNOWN : null;
      default -> DropReason.TINY_FRAGMENT;
    };
  }

  /** A number no other Acl of this process has (never 0): what flow caches key on. */
  public int id() {
    return id;
  }

  public String name() {
    return name;
  }

  /** Rules in the order they are tried. */
  public List<AclRule> rules() {
    return rules;
  }

  public boolean defaultAllow() {
    return defaultAllow;
  }

  public AclTree tree() {
    return tree;
  }

  /**
   * The verdict slot of a classifier result: the rule index, or {@code rules().size()} for the
   * default action.
   */
  public int slot(int rule) {
    return rule < 0 ? rules.size() : rule;
  }

  /** Whether the packet is allowed: counts the hit on the worker's stripe. */
  public boolean decide(int worker, int rule) {
    int s = rule < 0 ? allow.length - 1 : rule;
    hits[worker * stride + s]++;
    return allow[s];
  }

  /**
   * {@link #decide} for the packets of a burst in {@code packets} (a bit per packet, its rule in
   * {@code rules}): counts each verdict on the worker's stripe and returns the packets refused.
   * Packets of one burst mostly share a verdict, so a run of one slot is counted in a local and
   * added once: an increment per packet of the same counter chains every packet to the one before
   * through store forwarding.
   */
  public int refused(int worker, int[] rules, int packets) {
    long[] counts = hits;
    boolean[] allows = allow;
    int stripe = worker * stride;
    int fallback = allows.length - 1;
    int refused = 0;
    int slot = -1;
    int run = 0;
    int end = PacketBatch.loopBound(packets);
    for (int i = 0; i < end; i++) { // counted: rules' bounds are checked once, before the loop
      if ((packets & 1 << i) == 0) {
        continue;
      }
      int rule = rules[i];
      int s = rule < 0 ? fallback : rule;
      if (s != slot) {
        if (run != 0) {
          counts[stripe + slot] += run;
        }
        slot = s;
        run = 0;
      }
      run++;
      if (!allows[s]) {
        refused |= 1 << i;
      }
    }
    if (run != 0) {
      counts[stripe + slot] += run;
    }
    return refused;
  }

  /**
   * Packets decided by the rules of {@code priority} (one config rule: a group rule is several),
   * all workers.
   */
  public long hitsOfPriority(int priority) {
    long sum = 0;
    for (int r = 0; r < rules.size(); r++) {
      if (rules.get(r).priority == priority) {
        sum += hits(r);
      }
    }
    return sum;
  }

  /** Packets decided by rule {@code slot} (or the default, {@code rules().size()}), all workers. */
  public long hits(int slot) {
    long sum = 0;
    for (int w = 0; w < hits.length / stride; w++) {
      sum += hits[w * stride + slot];
    }
    return sum;
  }
}
