package io.vswitch.control.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The whole switch as the operator declares it (YAML or JSON, kebab-case keys). Defaults fill what
 * is left out; {@link ConfigValidator} checks the whole before anything starts.
 *
 * <pre>
 * eal:
 *   hugepages: auto        # auto | on | off (off: --no-huge)
 *   memory-mb: 512
 *   main-core: 0
 * workers:
 *   cores: [1]             # one worker per entry; -1 = not pinned
 *   idle: busy-spin        # busy-spin | backoff
 * port-groups:
 *   - name: web
 *     vlan: {mode: access, id: 10}
 *     security: {promiscuous: reject, mac-changes: reject, forged-transmits: reject}
 *   - name: uplink
 *     vlan: {mode: trunk, allowed: [10, 20], native: 1, native-tagged: false}
 * ports:
 *   - {name: vm1, devargs: "net_vhost0,iface=/tmp/vm1.sock", port-group: web,
 *      mac: "52:54:00:00:00:01"}
 *   - {name: nic, devargs: "0000:3b:00.0", port-group: uplink, rx-queues: 2}
 *     acl: {ingress: web-in, egress: web-out}
 *     qos:
 *       ingress-policer: {type: srtcm, cir-bps: 100000000, cbs-bytes: 65536, ebs-bytes: 65536,
 *                         exceed: drop}         # or trtcm (pir-bps, pbs-bytes), trtcm-4115
 *                                               # (eir-bps, ebs-bytes); exceed: remark + dscp
 *       egress-shaper: {average-bps: 100000000, peak-bps: 200000000, burst-bytes: 1048576}
 *       mark: {pcp: 5, dscp: 46}
 * acls:
 *   - name: web-in
 *     default: allow
 *     rules:
 *       - {priority: 10, action: deny, protocol: tcp, dst-port: 80, src-ip: 10.0.0.0/8}
 *       - {priority: 20, action: allow, ether-type: ipv6, dst-ip: "fd00::/64",
 *          protocol: udp, dst-port: 1000-2000}
 * fdb:
 *   aging-seconds: 300
 *   capacity: 1048576
 *   static: [{mac: "52:54:00:00:00:99", vlan: 10, port: vm1}]
 * conntrack:             # the table ct-state rules use (made only when some rule does)
 *   capacity: 1048576
 *   timeouts: {tcp-established: 7440, udp-replied: 180}
 *   limits: {zone: 100000, port: 50000}
 * mirrors:                    # port mirroring (VDS): local SPAN, or RSPAN to a VLAN
 *   - {name: tap, sources: [vm1], direction: both, destination: sniffer,
 *      vlans: [10], truncate: 128}
 *   - {name: remote, sources: [vm1], direction: in, destination: {vlan: 999}}
 *   - {name: far, sources: [vm1], destination: {erspan: {via: nic, src-ip: 192.0.2.1,
 *      dst-ip: 198.51.100.7, src-mac: "02:00:00:00:00:fe", dst-mac: "52:54:00:12:34:56"}}}
 * security-groups:            # NSX-style groups for rules' src-group/dst-group
 *   - {name: web, tags: [web]}            # also ports: [...], port-groups: [...], groups: [...]
 * # ports then carry tags: [web] and addresses: [10.0.1.1, "fd00::1"]
 * etcd:                      # one host of a distributed switch (README: distributed switch)
 *   {endpoints: ["http://127.0.0.1:2379"], switch: dvs1, host: hostA, lease-ttl: 10}
 * ipfix:                      # IPFIX flow export (RFC 7011) of ports with ipfix: true
 *   collectors: [{address: 127.0.0.1, port: 4739}]
 *   active-timeout: 60         # seconds; idle-timeout: 15, sampling: 1 (1 in N), cache-size:
 *   idle-timeout: 15           # 65536 flows per worker, template-refresh: 600 s
 * overlay:                    # VXLAN segments (RFC 7348) over a VTEP on one uplink port
 *   vtep: {port: nic, address: 192.0.2.1/24, gateway: 192.0.2.254, mac: "02:00:c0:00:02:01"}
 *   udp-port: 4789
 *   ttl: 64
 *   segments:
 *     - {name: blue, vni: 5001, port-groups: [web], remote-vteps: [192.0.2.2, 198.51.100.9]}
 *   neighbors: [{address: 192.0.2.2, mac: "52:54:00:12:34:56"}]   # static ARP, optional
 * teams:                     # uplink teaming (VDS): members act as one port of the switch
 *   - {name: uplink, members: [nic0, nic1], port-group: trunk, policy: failover,
 *      active: [nic0], standby: [nic1], failback: true, detection: arp,
 *      probe: {target: 10.0.0.254, interval-ms: 100, misses: 3}}
 *   - {name: lag, members: [nic2, nic3], policy: src-mac,   # IEEE 802.1AX LACP
 *      lacp: {mode: active, rate: fast, system-priority: 32768, key: 1}}
 * # or, instead of switching, a patch panel:
 * # cross-connect: [[vm1, nic]]
 * </pre>
 */
public record SwitchConfig(
    Eal eal,
    Workers workers,
    List<PortGroup> portGroups,
    List<Port> ports,
    Fdb fdb,
    List<List<String>> crossConnect,
    List<Acl> acls,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Mirror> mirrors,
    Conntrack conntrack,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<SecurityGroup> securityGroups,
    Etcd etcd,
    Ipfix ipfix,
    @JsonInclude(JsonInclude.Include.NON_NULL) Overlay overlay,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Team> teams) {

  /**
   * Host-local: this host is one of distributed switch {@code switch}'s, whose shared sections
   * (port groups, ACLs) are kept in etcd at {@code endpoints}; {@code host} names it there
   * (default: the machine's host name), {@code lease-ttl} is how many seconds its record outlives
   * it.
   */
  public record Etcd(
      List<String> endpoints,
      @JsonProperty("switch") String switchName,
      String host,
      Integer leaseTtl) {
    public Etcd {
      endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
    }
  }

  public SwitchConfig {
    teams = teams == null ? List.of() : List.copyOf(teams);
    mirrors = mirrors == null ? List.of() : List.copyOf(mirrors);
    securityGroups = securityGroups == null ? List.of() : List.copyOf(securityGroups);
    eal = eal == null ? Eal.DEFAULT : eal;
    workers = workers == null ? Workers.DEFAULT : workers;
    portGroups = portGroups == null ? List.of() : List.copyOf(portGroups);
    ports = ports == null ? List.of() : List.copyOf(ports);
    fdb = fdb == null ? Fdb.DEFAULT : fdb;
    crossConnect = crossConnect == null ? List.of() : List.copyOf(crossConnect);
    acls = acls == null ? List.of() : List.copyOf(acls);
    conntrack = conntrack == null ? Conntrack.DEFAULT : conntrack;
  }

  /** Whether some ACL rule matches on the connection state (then the switch tracks). */
  public boolean usesCtState() {
    return acls.stream()
        .flatMap(a -> a.rules().stream())
        .anyMatch(r -> r.ctState() != null && !r.ctState().isEmpty());
  }

  /**
   * IPFIX flow export (RFC 7011): flows of the ports whose group (or the port itself) has {@code
   * ipfix: true}, sent over UDP to every collector. Left out: no flow export (and no flow caches).
   * {@code cache-size} (flows per worker, a power of two) takes effect at restart; the rest live.
   */
  public record Ipfix(
      List<Collector> collectors,
      Integer activeTimeout,
      Integer idleTimeout,
      Integer sampling,
      Integer cacheSize,
      Integer templateRefresh,
      Long observationDomain) {
    public Ipfix {
      collectors = collectors == null ? List.of() : List.copyOf(collectors);
      activeTimeout = activeTimeout == null ? Integer.valueOf(60) : activeTimeout;
      idleTimeout = idleTimeout == null ? Integer.valueOf(15) : idleTimeout;
      sampling = sampling == null ? Integer.valueOf(1) : sampling;
      cacheSize = cacheSize == null ? Integer.valueOf(65536) : cacheSize;
      templateRefresh = templateRefresh == null ? Integer.valueOf(600) : templateRefresh;
      observationDomain = observationDomain == null ? Long.valueOf(1) : observationDomain;
    }
  }

  /** An IPFIX collector: an IP address (a literal, no name lookup) and a UDP port (4739). */
  public record Collector(String address, Integer port) {
    public Collector {
      port = port == null ? Integer.valueOf(4739) : port;
    }
  }

  /** Whether the port's flows are exported: its own {@code ipfix}, else its group's. */
  public boolean exportsFlows(Port port) {
    if (port.ipfix() != null) {
      return port.ipfix();
    }
    return portGroups.stream()
        .anyMatch(g -> g.name().equals(port.portGroup()) && Boolean.TRUE.equals(g.ipfix()));
  }

  /** Cross-connect (a patch panel) when pairs are given; otherwise a learning L2 switch. */
  public boolean crossConnectMode() {
    return !crossConnect.isEmpty();
  }

  /**
   * A named set of port settings, as a vSphere port group: VLAN membership and security policy
   * (later shaping and ACLs) shared by every port in it.
   */
  public record PortGroup(
      String name, Vlan vlan, Security security, AclBinding acl, Qos qos, Boolean ipfix) {
    public PortGroup {
      vlan = vlan == null ? Vlan.DEFAULT : vlan;
      security = security == null ? Security.DEFAULT : security;
    }
  }

  /**
   * A named ACL: rules tried in priority order (lowest number first, as NSX sequence numbers),
   * first match wins; {@code default} (allow or deny) decides what no rule matches. {@code
   * fragments} (allow or deny) says what non-first IP fragments, which carry no ports, get: left
   * out, deny when a rule looks at the protocol, ports or TCP flags, allow otherwise.
   */
  public record Acl(
      String name,
      @JsonProperty("default") String defaultAction,
      List<Rule> rules,
      String fragments) {
    public Acl {
      rules = rules == null ? List.of() : List.copyOf(rules);
    }
  }

  /**
   * One ACL rule; every match field left out matches anything. {@code src-ip}/{@code dst-ip} are
   * IPv4 or IPv6 prefixes (an address alone is a host) and restrict the rule to that family; ports
   * ("80" or "1000-2000") need protocol tcp or udp; tcp-flags ("syn,!ack": set, !clear) need
   * protocol tcp.
   */
  public record Rule(
      Integer priority,
      String action,
      String etherType,
      String srcMac,
      String dstMac,
      Integer vlan,
      String srcIp,
      String dstIp,
      String protocol,
      String srcPort,
      String dstPort,
      String tcpFlags,
      List<String> ctState,
      String srcGroup,
      String dstGroup) {}

  /**
   * A security group, as NSX's: its members are the union of the ports named, the ports of the port
   * groups named, the ports carrying one of the tags (dynamic membership: a tag added to a port
   * makes it a member at that change) and the members of the groups named (nested, no cycles). A
   * rule's {@code src-group}/{@code dst-group} matches the members' {@code addresses}; see {@link
   * SecurityGroups}.
   */
  public record SecurityGroup(
      String name,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> ports,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> portGroups,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> tags,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> groups) {
    public SecurityGroup {
      ports = ports == null ? List.of() : List.copyOf(ports);
      portGroups = portGroups == null ? List.of() : List.copyOf(portGroups);
      tags = tags == null ? List.of() : List.copyOf(tags);
      groups = groups == null ? List.of() : List.copyOf(groups);
    }
  }

  /**
   * A port-mirroring session, as a vSphere distributed switch's: copies of what the {@code sources}
   * receive ({@code direction: in}), send ({@code out}) or both, optionally only of {@code vlans}
   * and cut to {@code truncate} bytes, sent to {@code destination}: a port (local SPAN; it takes no
   * normal traffic while it is one) or {@code {vlan: N}} (RSPAN: tagged with VLAN N to that VLAN's
   * members, which carries nothing else). Copies are never mirrored again, learned or switched.
   */
  public record Mirror(
      String name,
      List<String> sources,
      String direction,
      MirrorDestination destination,
      List<Integer> vlans,
      Integer truncate) {
    public Mirror {
      sources = sources == null ? List.of() : List.copyOf(sources);
      direction = direction == null ? "both" : direction;
      vlans = vlans == null ? List.of() : List.copyOf(vlans);
    }
  }

  /**
   * Where a mirror's copies go: a port by name (written as just the name), an RSPAN VLAN ({@code
   * {vlan: N}}) or an ERSPAN tunnel ({@code {erspan: {...}}}); exactly one of the three.
   */
  public record MirrorDestination(String port, Integer vlan, Erspan erspan) {
    /** {@code destination: sniffer}: the port's name alone. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static MirrorDestination port(String port) {
      return new MirrorDestination(port, null, null);
    }

    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    public static MirrorDestination of(
        @JsonProperty("port") String port,
        @JsonProperty("vlan") Integer vlan,
        @JsonProperty("erspan") Erspan erspan) {
      return new MirrorDestination(port, vlan, erspan);
    }
  }

  /**
   * ERSPAN type II: copies leave port {@code via} as IPv4 GRE from {@code src-ip} to the collector
   * at {@code dst-ip}, in Ethernet frames to {@code dst-mac} (the collector's or the next hop's:
   * the switch resolves no addresses) from {@code src-mac}; {@code session-id} 0..1023 (default 1).
   */
  public record Erspan(
      String via, String srcIp, String dstIp, String srcMac, String dstMac, Integer sessionId) {
    public Erspan {
      sessionId = sessionId == null ? Integer.valueOf(1) : sessionId;
    }
  }

  /**
   * An uplink team, as a vSphere distributed switch's NIC teaming: {@code members} (ports of this
   * config, which take their port group from the team) act as one port named {@code name}, which is
   * what port-group membership, static FDB entries and mirrors name. {@code policy}: {@code
   * failover} (explicit failover order: the first healthy of {@code active}, then of {@code
   * standby}), {@code src-port} (by originating port) or {@code src-mac} (by source MAC hash), both
   * over the healthy active members. {@code failback}: whether traffic returns to a preferred
   * member that recovers (default true). {@code detection}: {@code link} (the device's link state)
   * or {@code arp} (link and an ARP probe of {@code probe.target} out of each member). With {@code
   * lacp} the team is a link aggregation (IEEE 802.1AX): {@code policy} is how it balances
   * (src-mac, the default, or src-port), every member is active, and a member carries only once
   * LACP has aggregated it with the partner.
   */
  public record Team(
      String name,
      List<String> members,
      String portGroup,
      String policy,
      List<String> active,
      List<String> standby,
      Boolean failback,
      String detection,
      Probe probe,
      Boolean notifySwitches,
      @JsonInclude(JsonInclude.Include.NON_NULL) Lacp lacp) {
    public Team {
      members = members == null ? List.of() : List.copyOf(members);
      policy = policy == null ? (lacp != null ? "src-mac" : "failover") : policy;
      failback = failback == null || failback;
      detection = detection == null ? (probe == null ? "link" : "arp") : detection;
      notifySwitches = notifySwitches == null || notifySwitches;
      if (active == null) {
        active = policy.equals("failover") ? members.stream().limit(1).toList() : members;
      }
      active = List.copyOf(active);
      if (standby == null) {
        List<String> chosen = active;
        standby = members.stream().filter(m -> !chosen.contains(m)).toList();
      }
      standby = List.copyOf(standby);
    }
  }

  /**
   * LACP on a team: {@code mode} {@code active} (default: sends LACPDUs unasked) or {@code passive}
   * (answers an active partner only); {@code rate} {@code fast} (default: asks the partner for a
   * LACPDU every second, so a silent link is out after 3 s) or {@code slow} (every 30 s, out after
   * 90 s); {@code system-priority} (default 32768) and {@code system-id} (a MAC; default the first
   * member's) make the System Identifier; {@code key} (default the team's position in the list,
   * from 1) is the members' aggregation key.
   */
  public record Lacp(
      String mode, String rate, Integer systemPriority, String systemId, Integer key) {
    public Lacp {
      mode = mode == null ? "active" : mode;
      rate = rate == null ? "fast" : rate;
      systemPriority = systemPriority == null ? Integer.valueOf(32768) : systemPriority;
    }
  }

  /**
   * The ARP probe of a team ({@code detection: arp}): a request for {@code target} out of each
   * member every {@code interval-ms} (default 100) from {@code mac} (default a locally administered
   * one made from the team's name) and {@code source} (default 0.0.0.0, an RFC 5227 probe), tagged
   * with {@code vlan} when given; a member is down after {@code misses} (default 3) intervals
   * without a reply received on it.
   */
  public record Probe(
      String target, String source, Integer intervalMs, Integer misses, String mac, Integer vlan) {
    public Probe {
      intervalMs = intervalMs == null ? Integer.valueOf(100) : intervalMs;
      misses = misses == null ? Integer.valueOf(3) : misses;
    }
  }

  /** Which ACLs filter a port's traffic, by name: entering the switch, and leaving it. */
  public record AclBinding(String ingress, String egress) {}

  /** Quality of service of a port: ingress policer, egress shaper, marking. */
  public record Qos(Policer ingressPolicer, Shaper egressShaper, Mark mark) {}

  /**
   * A three-colour marker, colour-blind: {@code srtcm} (RFC 2697: cir, cbs, ebs), {@code trtcm}
   * (RFC 2698: cir, cbs, pir, pbs) or {@code trtcm-4115} (RFC 4115: cir, cbs, eir, ebs). Red frames
   * are dropped ({@code exceed: drop}) or remarked to {@code exceed-dscp} ({@code exceed: remark}).
   */
  public record Policer(
      String type,
      Long cirBps,
      Long cbsBytes,
      Long ebsBytes,
      Long pirBps,
      Long pbsBytes,
      Long eirBps,
      String exceed,
      Integer exceedDscp) {
    public Policer {
      type = type == null ? "srtcm" : type;
      exceed = exceed == null ? "drop" : exceed;
    }
  }

  /**
   * vSphere traffic shaping: average and peak bandwidth (bits/s) and burst size (bytes); the excess
   * waits in a queue of {@code queue-packets} per worker, dropped only when it is full.
   */
  public record Shaper(Long averageBps, Long peakBps, Long burstBytes, Integer queuePackets) {
    public Shaper {
      peakBps = peakBps == null ? averageBps : peakBps;
      queuePackets = queuePackets == null ? 1024 : queuePackets;
    }
  }

  /** 802.1p priority (0..7, on tagged egress) and DSCP (0..63) for frames entering the port. */
  public record Mark(Integer pcp, Integer dscp) {}

  /**
   * VLAN membership: {@code mode: access} with {@code id}, or {@code mode: trunk} with {@code
   * allowed} VLANs and an optional {@code native} VLAN (untagged unless {@code native-tagged}).
   */
  public record Vlan(
      String mode,
      Integer id,
      List<Integer> allowed,
      @JsonProperty("native") Integer nativeVlan,
      Boolean nativeTagged) {
    static final Vlan DEFAULT = new Vlan(null, null, null, null, null);

    public Vlan {
      mode = mode == null ? "access" : mode;
      id = id == null && mode.equals("access") ? Integer.valueOf(1) : id; // boxed: id may be null
      allowed = allowed == null ? List.of() : List.copyOf(allowed);
      nativeTagged = nativeTagged != null && nativeTagged;
    }
  }

  /**
   * vSphere's three security policies, each "accept" or "reject"; port security's MAC limit
   * (learned MACs per port, 0 = none, default {@link #DEFAULT_MAC_LIMIT}); and whether 802.1D
   * reserved multicast (BPDU, LLDP) is relayed (OVS forward-bpdu; default false).
   */
  public record Security(
      String promiscuous,
      String macChanges,
      String forgedTransmits,
      Integer macLimit,
      Boolean forwardBpdu) {
    static final Security DEFAULT = new Security(null, null, null, null, null);

    /** Enough for a trunk to a busy segment; a port flooding source MACs stops here. */
    public static final int DEFAULT_MAC_LIMIT = 8192;

    /** Defaults of a vSphere standard switch: promiscuous rejected, the other two accepted. */
    public Security {
      promiscuous = promiscuous == null ? "reject" : promiscuous;
      macChanges = macChanges == null ? "accept" : macChanges;
      forgedTransmits = forgedTransmits == null ? "accept" : forgedTransmits;
      macLimit = macLimit == null ? Integer.valueOf(DEFAULT_MAC_LIMIT) : macLimit;
      forwardBpdu = forwardBpdu != null && forwardBpdu;
    }
  }

  /**
   * Forwarding database settings and static entries. {@code prefill} installs that many synthetic
   * static entries at start (locally administered MACs spread over all VLANs, on the first port):
   * for benchmarks and capacity checks that need a full table without a million real hosts.
   */
  public record Fdb(
      Integer agingSeconds,
      Integer capacity,
      @JsonProperty("static") List<StaticEntry> entries,
      Integer prefill) {
    static final Fdb DEFAULT = new Fdb(null, null, null, null);

    public Fdb {
      agingSeconds = agingSeconds == null ? 300 : agingSeconds;
      capacity = capacity == null ? 1 << 20 : capacity;
      entries = entries == null ? List.of() : List.copyOf(entries);
    }
  }

  /**
   * Connection tracking: one table every worker shares, made at start when {@code enabled} (the
   * default) and some ACL rule has a {@code ct-state}. {@code capacity} connections at most, of
   * which {@code embryonic} (default a quarter) may be unestablished; timeouts per state in
   * seconds; optional connection limits per zone (VLAN) and per ingress port.
   */
  public record Conntrack(
      Boolean enabled,
      Integer capacity,
      Integer embryonic,
      ConntrackTimeouts timeouts,
      ConntrackLimits limits) {
    static final Conntrack DEFAULT = new Conntrack(null, null, null, null, null);

    public Conntrack {
      enabled = enabled == null || enabled;
      capacity = capacity == null ? 1 << 20 : capacity;
      embryonic = embryonic == null ? Math.max(1, capacity / 4) : embryonic;
      timeouts = timeouts == null ? ConntrackTimeouts.DEFAULT : timeouts;
      limits = limits == null ? new ConntrackLimits(null, null) : limits;
    }
  }

  /** Idle timeouts per connection state, seconds; what is left out keeps its default. */
  public record ConntrackTimeouts(
      Long tcpSynSent,
      Long tcpSynRecv,
      Long tcpEstablished,
      Long tcpFinWait,
      Long tcpCloseWait,
      Long tcpLastAck,
      Long tcpTimeWait,
      Long tcpClose,
      Long udpUnreplied,
      Long udpReplied,
      Long icmp,
      Long generic) {
    static final ConntrackTimeouts DEFAULT =
        new ConntrackTimeouts(
            null, null, null, null, null, null, null, null, null, null, null, null);
  }

  /** Connections at most per zone (a VLAN) and per ingress port; left out: no limit. */
  public record ConntrackLimits(Integer zone, Integer port) {}

  /** A MAC pinned to a port in a VLAN: never ages, never moves. */
  public record StaticEntry(String mac, Integer vlan, String port) {}

  /** EAL settings. */
  public record Eal(String hugepages, Integer memoryMb, Integer mainCore, List<String> extraArgs) {
    static final Eal DEFAULT = new Eal(null, null, null, null);

    public Eal {
      hugepages = hugepages == null ? "auto" : hugepages;
      memoryMb = memoryMb == null ? 512 : memoryMb;
      mainCore = mainCore == null ? 0 : mainCore;
      extraArgs = extraArgs == null ? List.of() : List.copyOf(extraArgs);
    }
  }

  /** Worker threads: one per core listed. */
  public record Workers(List<Integer> cores, String idle) {
    static final Workers DEFAULT = new Workers(null, null);

    public Workers {
      cores = cores == null ? List.of(defaultCore()) : List.copyOf(cores);
      idle = idle == null ? "busy-spin" : idle;
    }

    /** The last core, leaving core 0 to the OS and the control thread. */
    private static int defaultCore() {
      int cpus = HostCpus.COUNT;
      return cpus > 1 ? cpus - 1 : -1;
    }
  }

  /**
   * One port. Either a {@code type} with its typed fields (compiled into DPDK devargs by {@link
   * PortTypes}) or raw {@code devargs}, the escape hatch for any PMD. {@code mac} is the MAC of the
   * VM or host behind it, which the security policy checks against; {@code port-group} defaults to
   * access VLAN 1.
   *
   * <pre>
   *   - {name: h1, type: afxdp, iface: veth1}                # laptop: AF_XDP on a kernel interface
   *   - {name: h2, type: afpacket, iface: eth0}              # or a packet socket
   *   - {name: h3, type: pcap, iface: eth0}                  # or libpcap
   *   - {name: rp, type: pcap-file, rx-file: in.pcap, loop: true, tx-file: out.pcap}
   *   - {name: nic, type: dpdk, pci: "0000:3b:00.0", queues: 2}
   *   - {name: vm1, type: vhost-user, socket: /run/vswitch/vm1.sock, mode: server, queues: 2}
   *   - {name: ct, type: virtio-user, socket: /run/backend.sock}
   * </pre>
   *
   * <p>{@code queues} is the device's queue count (queue pairs of a vNIC, AF_XDP queues of an
   * interface); {@code rx-queues}, how many of them the switch polls, defaults to it. The typed
   * fields come last so that the journal's JSON of a devargs port reads as it did before them.
   * {@code acl} and {@code qos}, when given, replace the port group's (each as a whole); so does
   * {@code ipfix} (true or false: flow export of this port whatever its group says).
   */
  public record Port(
      String name,
      String devargs,
      String portGroup,
      String mac,
      Boolean learning,
      Integer rxQueues,
      Integer rxDescriptors,
      Integer txDescriptors,
      String type,
      String iface,
      String socket,
      String mode,
      String pci,
      String rxFile,
      String txFile,
      Boolean loop,
      Integer queues,
      AclBinding acl,
      Qos qos,
      Integer mtu,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> tags,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> addresses,
      Boolean ipfix) {
    /** The largest MTU a port may have: a 9,000-byte jumbo frame plus room for encapsulation. */
    public static final int MAX_MTU = 9600;

    /** The configured MTU, or Ethernet's 1500 (kept out of the record so the journal is as was). */
    public int mtuOrDefault() {
      return mtu == null ? 1500 : mtu;
    }

    public Port {
      tags = tags == null ? List.of() : List.copyOf(tags);
      addresses = addresses == null ? List.of() : List.copyOf(addresses);
      learning = learning == null || learning;
      loop = loop != null && loop;
      int asked = queues != null ? queues : rxQueues != null ? rxQueues : 1;
      queues = asked;
      rxQueues = rxQueues == null ? asked : rxQueues;
      rxDescriptors = rxDescriptors == null ? 1024 : rxDescriptors;
      txDescriptors = txDescriptors == null ? 1024 : txDescriptors;
    }
  }
}
