package io.vswitch.dataplane.acl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A compiled, immutable ACL: rules sorted by priority, the default action for packets no rule
 * matches, the classifier, and hit counters. Published with the L2 tables; a change of rules makes
 * a new Acl (and new counters), which the workers pick up at their next pass.
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

  /**
   * @param workers how many workers count hits (stripes)
   */
  public Acl(String name, List<AclRule> rules, boolean defaultAllow, int workers) {
    List<AclRule> sorted = new ArrayList<>(rules);
    sorted.sort(Comparator.comparingInt(AclRule::priority));
    for (int r = 1; r < sorted.size(); r++) {
      if (sorted.get(r).priority == sorted.get(r - 1).priority) {
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

  /** Packets decided by rule {@code slot} (or the default, {@code rules().size()}), all workers. */
  public long hits(int slot) {
    long sum = 0;
    for (int w = 0; w < hits.length / stride; w++) {
      sum += hits[w * stride + slot];
    }
    return sum;
  }
}
