package io.vswitch.dataplane.l2.overlay;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The underlay's next hops (each remote VTEP on the VTEP's subnet, or the gateway for the others)
 * and their MACs: a small ARP cache that the workers fill from what the uplink brings (ARP from a
 * next hop, the outer source MAC of VXLAN from an on-link VTEP) and read when they encapsulate. A
 * static MAC from the config is set once and never learned over. Lock-free: one MAC and one
 * last-seen second per hop, opaque stores; racing workers write the same value. A learn that
 * changes nothing and is less than a second newer writes nothing, so the cache line is not bounced
 * by every received frame. Made once per switch (the VTEP is restart-only); remote VTEPs come and
 * go live (discovery through etcd, a live {@code remote-vteps} edit), so hops are appended by the
 * control thread ({@link #add}) up to a fixed capacity and never removed: a worker on older tables
 * may still hold a hop's index, and a departed VTEP's slot is taken again by its address only.
 */
public final class VtepNeighbors {
  /** Seconds after which a learned MAC is asked for again (still used until the answer). */
  public static final int REFRESH_SECONDS = 30;

  /** Next hops a switch may have over its life: tunnels are at most 64 ports, plus the gateway. */
  public static final int CAPACITY = 128;

  private final int[] ips;
  private final boolean[] fixed;
  private final AtomicLongArray macs;
  private final AtomicLongArray seen;
  private volatile int count; // hops [0, count) are set; written by the control thread only

  /**
   * @param ips the next hops' IPv4 addresses
   * @param staticMacs a MAC per hop, or 0 to resolve it by ARP
   */
  public VtepNeighbors(int[] ips, long[] staticMacs) {
    int capacity = Math.max(CAPACITY, ips.length);
    this.ips = new int[capacity];
    this.fixed = new boolean[capacity];
    this.macs = new AtomicLongArray(capacity);
    this.seen = new AtomicLongArray(capacity);
    for (int h = 0; h < ips.length; h++) {
      this.ips[h] = ips[h];
      fixed[h] = staticMacs[h] != 0;
      macs.set(h, staticMacs[h]);
    }
    count = ips.length;
  }

  public int size() {
    return count;
  }

  /** The most hops this cache holds (what a worker sizes per-hop state by). */
  public int capacity() {
    return ips.length;
  }

  /**
   * The hop of {@code ip}, appended (resolved by ARP) when it is new: on the control thread, before
   * the tables that use it are published (the volatile count publishes the slot).
   *
   * @throws IllegalStateException all {@link #capacity()} hops are taken
   */
  public synchronized int add(int ip) {
    int h = hop(ip);
    if (h >= 0) {
      return h;
    }
    int n = count;
    if (n == ips.length) {
      throw new IllegalStateException(
          "the overlay has its " + ips.length + " next hops already (a hop is never reused)");
    }
    ips[n] = ip;
    count = n + 1;
    return n;
  }

  public int ip(int hop) {
    return ips[hop];
  }

  /** The hop with address {@code ip}, or -1. */
  public int hop(int ip) {
    for (int h = 0, n = count; h < n; h++) {
      if (ips[h] == ip) {
        return h;
      }
    }
    return -1;
  }

  /** The hop's MAC, or 0 while unresolved. */
  public long mac(int hop) {
    return macs.getOpaque(hop);
  }

  public boolean isStatic(int hop) {
    return fixed[hop];
  }

  /** Second (FDB clock) the hop was last heard from, 0 if never. */
  public long seen(int hop) {
    return seen.getOpaque(hop);
  }

  /** Whether a learned hop should be asked again: never heard, or not for a while. */
  public boolean stale(int hop, long nowSeconds) {
    return !fixed[hop] && nowSeconds - seen.getOpaque(hop) >= REFRESH_SECONDS;
  }

  /** Hop {@code hop} was heard from with {@code mac} at {@code nowSeconds}. */
  public void learn(int hop, long mac, long nowSeconds) {
    if (fixed[hop]) {
      return;
    }
    if (macs.getOpaque(hop) != mac) {
      macs.setRelease(hop, mac);
    } else if (seen.getOpaque(hop) == nowSeconds) {
      return;
    }
    seen.setOpaque(hop, nowSeconds);
  }
}
