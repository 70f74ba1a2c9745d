package io.vswitch.perf.bench;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One row the end-to-end bench measures, as perf/bench/configurations.yaml lists it: a name, what
 * the generators replay, and either the switch's config as a template (plus which ports count and
 * which OVS row it is compared with) or, for an OVS-DPDK row, what that OVS bridge gets.
 *
 * @param versus the OVS row this one's "vs OVS" ratio is against (default {@link ResultTable#OVS})
 * @param ovs set for an OVS-DPDK row (which then has no config)
 */
public record BenchEntry(
    String name,
    String description,
    Traffic traffic,
    List<String> measure,
    String config,
    String versus,
    Ovs ovs) {

  /**
   * What each generator port replays.
   *
   * @param connections set: the frames come from {@link FlowGenerator} instead, {@code flows} being
   *     the number of source hosts (MACs)
   * @param encap {@code vxlan}: each frame VXLAN-encapsulated from the remote VTEP to the switch's
   *     VTEP ({@link io.vswitch.perf.frames.TrafficSpec.Encapsulation}); default {@code none}
   */
  public record Traffic(Integer flows, String dst, Connections connections, String encap) {
    public Traffic {
      flows = flows == null ? 1 : flows;
      dst = dst == null ? "unicast" : dst;
      encap = encap == null ? "none" : encap;
      if (connections != null && !dst.equals("known")) {
        throw new IllegalArgumentException("traffic.connections needs dst: known");
      }
      if (connections != null && !encap.equals("none")) {
        throw new IllegalArgumentException("traffic.connections and traffic.encap do not combine");
      }
    }

    public Traffic(Integer flows, String dst, Connections connections) {
      this(flows, dst, connections, null);
    }

    public Traffic(Integer flows, String dst) {
      this(flows, dst, null, null);
    }
  }

  /**
   * The connection-tracking rows' traffic ({@link io.vswitch.perf.frames.ConnectionTraffic}):
   * {@code count} distinct UDP connections, one frame each, replayed by {@link FlowGenerator}.
   *
   * @param replies each connection's reply too, on the sink (the connections become established)
   * @param rate {@code packets} (default): the row's rate is packets forwarded; {@code
   *     new-connections}: connections created per second, from the switch's own counter
   * @param udpTimeout seconds an unreplied UDP connection lives (the OVS row's zone timeout policy;
   *     the switch row says it in its own conntrack config), null: the switch's default
   */
  public record Connections(Integer count, Boolean replies, String rate, Integer udpTimeout) {
    public Connections {
      if (count == null
          || count < 1
          || count > io.vswitch.perf.frames.ConnectionTraffic.MAX_CONNECTIONS) {
        throw new IllegalArgumentException(
            "traffic.connections.count must be 1.."
                + io.vswitch.perf.frames.ConnectionTraffic.MAX_CONNECTIONS);
      }
      replies = replies != null && replies;
      rate = rate == null ? "packets" : rate;
      if (!rate.equals("packets") && !rate.equals("new-connections")) {
        throw new IllegalArgumentException(
            "traffic.connections.rate is packets or new-connections, not " + rate);
      }
    }

    public boolean newConnections() {
      return rate.equals("new-connections");
    }
  }

  /**
   * What an OVS-DPDK row's bridge gets besides the generator on access port tag 10 and the sink on
   * trunk 10,20 (OvsRunner).
   *
   * @param staticFdb the {@code known} destinations as static FDB entries on the sink, VLAN 10
   * @param dropRules that many {@link FiveTupleAcl} drop flows above NORMAL
   * @param conntrack IP through {@code ct()} in zone 10 first: new connections committed, new and
   *     established ones to NORMAL, the rest dropped ({@link #CONNTRACK_FLOWS})
   * @param vxlan {@code encap} or {@code decap}: instead of br0, OVS's userspace VXLAN tunnel
   *     between an integration bridge and a physical one ({@link OvsVxlan})
   */
  public record Ovs(Boolean staticFdb, Integer dropRules, Boolean conntrack, String vxlan) {
    /**
     * The stateful pipeline of a conntrack row, as an OVS user writes "allow established, allow and
     * commit new, drop the rest" (the switch's rows say it with ct-state rules, zone = VLAN).
     */
    public static final List<String> CONNTRACK_FLOWS =
        List.of(
            "table=0,priority=10,ip,actions=ct(table=1,zone=10)",
            "table=1,priority=10,ip,ct_state=+trk+new,actions=ct(commit,zone=10),NORMAL",
            "table=1,priority=10,ip,ct_state=+trk+est,actions=NORMAL",
            "table=1,priority=10,ip,ct_state=+trk+rel,actions=NORMAL",
            "table=1,priority=0,actions=drop");

    public Ovs(Boolean staticFdb, Integer dropRules, Boolean conntrack) {
      this(staticFdb, dropRules, conntrack, null);
    }

    public Ovs {
      if (vxlan != null && !vxlan.equals("encap") && !vxlan.equals("decap")) {
        throw new IllegalArgumentException("ovs.vxlan must be encap or decap, not " + vxlan);
      }
      staticFdb = staticFdb != null && staticFdb;
      conntrack = conntrack != null && conntrack;
      dropRules = dropRules == null ? 0 : dropRules;
      if (dropRules < 0 || dropRules > FiveTupleAcl.MAX_RULES) {
        throw new IllegalArgumentException(
            "ovs.drop-rules must be 0.." + FiveTupleAcl.MAX_RULES + ", not " + dropRules);
      }
    }
  }

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-z0-9-]+)}");

  public BenchEntry {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a bench entry needs a name");
    }
    if (ovs == null && (config == null || config.isBlank())) {
      throw new IllegalArgumentException("bench entry '" + name + "' needs a config");
    }
    if (ovs != null && (config != null || measure != null || versus != null)) {
      throw new IllegalArgumentException(
          "bench entry '" + name + "' is an OVS row: it takes no config, measure or versus");
    }
    description = description == null ? "" : description;
    traffic = traffic == null ? new Traffic(null, null, null) : traffic;
    measure = measure == null || measure.isEmpty() ? List.of("sink") : List.copyOf(measure);
    versus = ovs != null ? null : versus == null ? ResultTable.OVS : versus;
  }

  /** A switch row compared with the default OVS row. */
  public BenchEntry(
      String name, String description, Traffic traffic, List<String> measure, String config) {
    this(name, description, traffic, measure, config, null, null);
  }

  public boolean isOvs() {
    return ovs != null;
  }

  public static List<BenchEntry> load(Path file) {
    ObjectMapper yaml =
        new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    try {
      return Arrays.asList(yaml.readValue(file.toFile(), BenchEntry[].class));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** The config with every ${placeholder} replaced; an unknown one is an error. */
  public String render(Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(config);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = values.get(m.group(1));
      if (value == null) {
        throw new IllegalArgumentException(
            "bench entry '" + name + "': unknown placeholder ${" + m.group(1) + "}");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** How many generator ports (${gen}, ${gen1}, ...) the config uses. */
  public int generators() {
    if (config == null) {
      return 1;
    }
    int n = 0;
    while (config.contains("${" + (n == 0 ? "gen" : "gen" + n) + "}")) {
      n++;
    }
    return n;
  }
}
