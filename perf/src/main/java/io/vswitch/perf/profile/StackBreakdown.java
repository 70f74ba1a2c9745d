package io.vswitch.perf.profile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Splits a profile (async-profiler's collapsed stacks: "root;...;leaf COUNT" per line) into the
 * switch's stages and the native code under them, so that the shares add up to 100% of the worker's
 * samples: each sample goes to the frame nearest the leaf that a rule names. Helpers that belong to
 * their caller (Mbuf accessors, Fdb probing, memcpy) have no rule, so their samples stay with the
 * stage that called them; the helpers the question is about (counters, the latency recorder, the
 * clock, checksums) have one, so they are counted apart wherever they are called from. A sample no
 * rule names is "other", and the self-frame list names it.
 */
final class StackBreakdown {

  /** One named part of the worker's time: a frame pattern, optionally only under another frame. */
  record Rule(String name, Pattern frame, Pattern under) {
    static Rule of(String name, String frame) {
      return new Rule(name, Pattern.compile(frame), null);
    }

    static Rule of(String name, String frame, String under) {
      return new Rule(name, Pattern.compile(frame), Pattern.compile(under));
    }
  }

  static final String OTHER = "other (see self frames)";

  private static final String RX = "DpdkPort\\.receive|vs_rx_burst|rte_eth_rx_burst";

  /** Checked per frame, leaf first; within a frame the first rule that matches wins. */
  static final List<Rule> RULES =
      List.of(
          Rule.of("kernel (interrupts, timer ticks)", "_\\[k\\]$"),
          Rule.of("rx: mempool get (mbuf alloc)", "mempool|common_ring|rte_ring|bucket_", RX),
          Rule.of("tx: mempool put (mbuf free)", "mempool|common_ring|rte_ring|bucket_"),
          // Debian's PMDs are stripped of their static functions: the frame is the library's path.
          // The mempool cache (rte_pktmbuf_alloc_bulk / rte_pktmbuf_free) is inlined into them.
          Rule.of(
              "rx: net_pcap PMD (incl. inlined mbuf alloc)", "eth_pcap_|^pcap_|librte_net_pcap"),
          Rule.of("tx: net_null PMD (incl. inlined mbuf free)", "eth_null_|librte_net_null"),
          Rule.of("TLS: __tls_get_addr (DPDK per-lcore variables)", "__tls_get_addr"),
          Rule.of("shim vs_* (ethdev inline wrappers)", "^vs_"),
          Rule.of(
              "FFM downcall transition (stub, nep_invoker_blob)",
              "(?i)downcall|nep_invoker|NativeEntryPoint"),
          Rule.of(
              "clock: System.nanoTime (clock_gettime)",
              "System\\.nanoTime|javaTimeNanos|clock_gettime|__vdso|vdso"),
          Rule.of("FdbClock", "FdbClock\\."),
          Rule.of(
              "latency recorder (HdrHistogram)", "IntervalRecorder|SingleWriterRecorder|Histogram"),
          Rule.of("counters (CounterSlot)", "CounterSlot\\.|PortCounter\\."),
          Rule.of("PartialChecksums", "PartialChecksums\\."),
          Rule.of("ParseStage", "ParseStage\\."),
          Rule.of("MtuCheck", "MtuCheck\\."),
          Rule.of("IngressSecurityStage", "IngressSecurityStage\\."),
          Rule.of("VlanClassifyStage", "VlanClassifyStage\\."),
          Rule.of("PoliceStage/MarkStage", "PoliceStage\\.|MarkStage\\.|TokenBucket\\."),
          Rule.of("ACL stages + classifier", "Acl\\w*Stage\\.|\\.dataplane\\.acl\\."),
          Rule.of("conntrack stages + table", "Conntrack\\w*\\.|CtCommitStage\\.|\\.conntrack\\."),
          Rule.of(
              "L2 flow cache (lookup, fill)",
              "FlowCacheStage\\.|FlowCacheFillStage\\.|L2FlowCache\\."),
          Rule.of("LearnStage", "LearnStage\\."),
          Rule.of("ForwardStage", "ForwardStage\\."),
          Rule.of("EgressFilterStage", "EgressFilterStage\\."),
          Rule.of("ReplicateStage", "ReplicateStage\\."),
          Rule.of("EgressRewriteStage (tag push/pop)", "EgressRewriteStage\\.|VlanRewrite\\."),
          Rule.of("TransmitStage", "TransmitStage\\."),
          Rule.of("TxBuffer (queue, flush)", "TxBuffer\\."),
          Rule.of("TxSet (dirty ports)", "TxSet\\."),
          Rule.of(
              "other stages (overlay, team, taps, mirror)",
              "\\.dataplane\\.l2\\.\\w+\\.\\w+Stage\\."),
          Rule.of(
              "burst bookkeeping (BurstContext, PacketBatch)", "BurstContext\\.|PacketBatch\\."),
          Rule.of("vtable stub (stage dispatch)", "^vtable stub$"),
          Rule.of("DpdkPort.receive (Java side)", "DpdkPort\\.receive"),
          Rule.of("DpdkPort.transmit (Java side)", "DpdkPort\\.transmit"),
          Rule.of("CrossConnectAgent", "CrossConnectAgent\\."),
          Rule.of("L2Agent (own code)", "L2Agent\\."),
          Rule.of("WorkerThread loop + idle strategy", "WorkerThread\\.|IdleStrategy\\."));

  /**
   * What the samples' PCs were doing, across stages: the leaf frame alone, so these overlap the
   * parts above (an FDB slot load in LearnStage is both LearnStage and a memory load).
   */
  static final List<Rule> LEAF_KINDS =
      List.of(
          Rule.of(
              "FFM segment checks (session state, bounds, read-only)",
              "MemorySessionImpl\\.check|AbstractMemorySegmentImpl\\.check|checkAccess|checkValidState"),
          Rule.of(
              "memory loads/stores via FFM (Unsafe, ScopedMemoryAccess)",
              "Unsafe\\.(get|put)|ScopedMemoryAccess\\."),
          Rule.of("ZGC barriers", "ZBarrier|ZPointer|zgc|load_barrier|store_barrier"),
          Rule.of("arraycopy stubs", "arraycopy"),
          Rule.of(
              "VarHandle plumbing (not folded away)", "VarHandle|LambdaForm|DirectMethodHandle"));

  private final List<Rule> rules;
  private final Map<String, Long> byLeafKind = new LinkedHashMap<>();
  private final Map<String, Long> byRule = new LinkedHashMap<>();
  private final Map<String, Long> selfFrames = new LinkedHashMap<>();
  private long total;

  StackBreakdown() {
    this(RULES);
  }

  StackBreakdown(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /** Adds every "stack count" line; lines that are not one are skipped. */
  static StackBreakdown of(List<String> collapsed) {
    StackBreakdown b = new StackBreakdown();
    for (String line : collapsed) {
      b.add(line);
    }
    return b;
  }

  void add(String line) {
    int space = line.lastIndexOf(' ');
    if (space <= 0) {
      return;
    }
    long count;
    try {
      count = Long.parseLong(line.substring(space + 1).trim());
    } catch (NumberFormatException e) {
      return;
    }
    String stack = line.substring(0, space);
    if (stack.startsWith("[")
        && !stack.startsWith("[" + WorkerThreads.PREFIX)
        && stack.contains(" tid=")) {
      return; // another thread of the switch
    }
    List<String> frames = frames(stack);
    if (frames.isEmpty()) {
      return;
    }
    total += count;
    byRule.merge(classify(frames), count, Long::sum);
    String leaf = frames.get(frames.size() - 1);
    selfFrames.merge(leaf, count, Long::sum);
    for (Rule r : LEAF_KINDS) {
      if (r.frame().matcher(leaf).find()) {
        byLeafKind.merge(r.name(), count, Long::sum);
        break;
      }
    }
  }

  long leafKindSamples(String kind) {
    return byLeafKind.getOrDefault(kind, 0L);
  }

  /** The stack's frames, root first, Java names dotted, without async-profiler's thread root. */
  static List<String> frames(String stack) {
    List<String> out = new ArrayList<>();
    for (String f : stack.split(";")) {
      if (f.startsWith("[") && f.endsWith("]") && f.contains("tid=")) {
        continue; // the "threads" option's root frame
      }
      out.add(f.indexOf('/') >= 0 && !f.startsWith("/") ? f.replace('/', '.') : f);
    }
    return out;
  }

  String classify(List<String> frames) {
    for (int i = frames.size() - 1; i >= 0; i--) {
      String frame = frames.get(i);
      for (Rule r : rules) {
        if (r.frame().matcher(frame).find() && (r.under() == null || under(frames, i, r.under()))) {
          return r.name();
        }
      }
    }
    return OTHER;
  }

  private static boolean under(List<String> frames, int index, Pattern pattern) {
    for (int i = index - 1; i >= 0; i--) {
      if (pattern.matcher(frames.get(i)).find()) {
        return true;
      }
    }
    return false;
  }

  long total() {
    return total;
  }

  long samples(String rule) {
    return byRule.getOrDefault(rule, 0L);
  }

  /** The rules' samples, largest first. */
  List<Map.Entry<String, Long>> parts() {
    return sorted(byRule);
  }

  /** The leaf frames' samples, largest first. */
  List<Map.Entry<String, Long>> selfFrames() {
    return sorted(selfFrames);
  }

  private static List<Map.Entry<String, Long>> sorted(Map<String, Long> m) {
    List<Map.Entry<String, Long>> out = new ArrayList<>(m.entrySet());
    out.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()));
    return out;
  }

  /**
   * The table: part, samples, % of the worker's samples, cycles per packet ({@code cyclesPerPacket}
   * is the whole worker's); then the {@code topSelf} heaviest leaf frames the same way.
   */
  String format(double cyclesPerPacket, int topSelf) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            "%-44s %8s %7s %10s%n", "part (frame nearest the leaf)", "samples", "%", "cyc/pkt"));
    for (Map.Entry<String, Long> e : parts()) {
      row(out, e.getKey(), e.getValue(), cyclesPerPacket);
    }
    row(out, "total", total, cyclesPerPacket);
    out.append(
        String.format("%nacross stages, by the leaf frame alone (overlaps the parts above)%n"));
    for (Map.Entry<String, Long> e : sorted(byLeafKind)) {
      row(out, e.getKey(), e.getValue(), cyclesPerPacket);
    }
    out.append(String.format("%ntop %d self frames (where the samples' PCs were)%n", topSelf));
    out.append(String.format("%-72s %8s %7s %10s%n", "frame", "samples", "%", "cyc/pkt"));
    int n = 0;
    for (Map.Entry<String, Long> e : selfFrames()) {
      if (n++ == topSelf) {
        break;
      }
      String name =
          e.getKey().length() > 72
              ? "..." + e.getKey().substring(e.getKey().length() - 69)
              : e.getKey();
      out.append(
          String.format(
              "%-72s %8d %6.1f%% %10.1f%n",
              name, e.getValue(), pct(e.getValue()), pct(e.getValue()) / 100 * cyclesPerPacket));
    }
    return out.toString();
  }

  private void row(StringBuilder out, String name, long samples, double cyclesPerPacket) {
    out.append(
        String.format(
            "%-44s %8d %6.1f%% %10.1f%n",
            name, samples, pct(samples), pct(samples) / 100 * cyclesPerPacket));
  }

  private double pct(long samples) {
    return total == 0 ? 0 : 100.0 * samples / total;
  }
}
