package io.vswitch.control.config;

import io.vswitch.dataplane.l2.MacAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Checks a whole {@link SwitchConfig} before anything is started, so that a bad config changes
 * nothing. Each failure is a one-line {@link ConfigException} naming the offending item.
 */
public final class ConfigValidator {
  private static final Set<String> IDLE = Set.of("busy-spin", "backoff");
  private static final Set<String> HUGEPAGES = Set.of("auto", "on", "off");

  /** Counted when the first config is validated, on the main thread at start (see HostCpus). */
  private static final int CPUS = HostCpus.COUNT;

  private ConfigValidator() {}

  private static final Set<String> POLICY = Set.of("accept", "reject");

  /** Validates a config about to start: every port is opened, so every port is host-checked. */
  public static SwitchConfig validate(SwitchConfig config) {
    return validate(config, port -> true);
  }

  /** The distributed switch's section: http endpoints, valid names, a sane lease. */
  static void validateEtcd(SwitchConfig.Etcd etcd) {
    if (etcd == null) {
      return;
    }
    require(!etcd.endpoints().isEmpty(), "etcd.endpoints: give at least one http://host:port");
    for (String e : etcd.endpoints()) {
      java.net.URI uri;
      try {
        uri = new java.net.URI(e);
      } catch (java.net.URISyntaxException | NullPointerException x) {
        throw new ConfigException(
            "etcd.endpoints: " + Names.quote(String.valueOf(e)) + " is not a URL");
      }
      require(
          "http".equals(uri.getScheme()) && uri.getHost() != null && uri.getPort() > 0,
          "etcd.endpoints: an endpoint is http://host:port, not " + Names.quote(e));
    }
    require(etcd.switchName() != null, "etcd.switch: name the distributed switch to join");
    Names.check("etcd.switch", etcd.switchName());
    if (etcd.host() != null) {
      Names.check("etcd.host", etcd.host());
    }
    require(
        etcd.leaseTtl() == null || (etcd.leaseTtl() >= 2 && etcd.leaseTtl() <= 3600),
        "etcd.lease-ttl must be 2..3600 seconds");
  }

  /**
   * Validates a config of which only the ports {@code opening} names are opened (a live change:
   * ports added or whose device changed). Host checks look at this host as it is now, and a port
   * that already runs holds its own resources (its vhost-user socket looks busy because the switch
   * serves it), so they apply to the ports being opened only; everything else is checked whole.
   */
  public static SwitchConfig validate(SwitchConfig config, Predicate<String> opening) {
    return validate(config, opening, RemoteFacts.NONE);
  }

  /**
   * As {@link #validate(SwitchConfig, Predicate)}, with what the distributed switch's other hosts
   * published: their ports join security groups here, so the ACLs are compiled (and their size
   * checked) over those members too.
   */
  public static SwitchConfig validate(
      SwitchConfig config, Predicate<String> opening, RemoteFacts remote) {
    validateEal(config.eal());
    validateWorkers(config.workers());
    validateEtcd(config.etcd());
    Map<String, SwitchConfig.Port> ports = validatePorts(config.ports(), opening);
    for (SwitchConfig.Port port : config.ports()) {
      SecurityGroups.checkPort(port); // tags and addresses, whatever the mode
    }
    if (config.crossConnectMode()) {
      require(
          config.portGroups().isEmpty(),
          "choose one: cross-connect (a patch panel) or port-groups (a switch), not both");
      require(config.acls().isEmpty(), "acls need a switch (port-groups), not cross-connect");
      require(config.mirrors().isEmpty(), "mirrors need a switch (port-groups), not cross-connect");
      require(
          config.securityGroups().isEmpty(),
          "security-groups need a switch (port-groups), not cross-connect");
      require(config.overlay() == null, "overlay needs a switch (port-groups), not cross-connect");
      require(config.teams().isEmpty(), "teams need a switch (port-groups), not cross-connect");
      validateCrossConnect(config.crossConnect(), ports);
    } else {
      Map<String, SwitchConfig.PortGroup> groups = validatePortGroups(config.portGroups());
      SecurityGroups securityGroups = SecurityGroups.resolve(config, remote);
      Set<String> acls =
          validateAcls(config.acls(), config.workers().cores().size(), securityGroups);
      for (SwitchConfig.PortGroup group : config.portGroups()) {
        validateAclBinding(group.acl(), acls, "port group '" + group.name() + "'");
        validateQos(group.qos(), "port group '" + group.name() + "'");
      }
      for (SwitchConfig.Port port : config.ports()) {
        validateL2Port(port, groups);
        validateAclBinding(port.acl(), acls, "port '" + port.name() + "'");
        validateQos(port.qos(), "port '" + port.name() + "'");
      }
      OverlaySpecs.validate(config, ports, groups);
      // Where a port is named (static entries, mirrors) a team is named instead of its members.
      Map<String, SwitchConfig.Port> logical = TeamSpecs.validate(config, ports, groups);
      validateFdb(config, logical, groups);
      ConntrackSpecs.validate(config.conntrack());
      if (!config.conntrack().enabled()) {
        validateNoCtState(config);
      }
      validateMirrors(config, logical, groups);
    }
    IpfixSpecs.validate(config);
    return config;
  }

  /** With conntrack disabled, no ACL a port uses may match on the connection state. */
  private static void validateNoCtState(SwitchConfig config) {
    Set<String> stateful = new HashSet<>();
    for (SwitchConfig.Acl acl : config.acls()) {
      if (acl.rules().stream().anyMatch(r -> r.ctState() != null)) {
        stateful.add(acl.name());
      }
    }
    Map<String, SwitchConfig.PortGroup> groups = new java.util.HashMap<>();
    config.portGroups().forEach(g -> groups.put(g.name(), g));
    for (SwitchConfig.Port port : config.ports()) {
      SwitchConfig.PortGroup group = groups.get(port.portGroup());
      for (SwitchConfig.AclBinding b :
          java.util.Arrays.asList(port.acl(), group == null ? null : group.acl())) {
        if (b == null) {
          continue;
        }
        for (String name : java.util.Arrays.asList(b.ingress(), b.egress())) {
          require(
              name == null || !stateful.contains(name),
              "port '"
                  + port.name()
                  + "': acl '"
                  + name
                  + "' has ct-state rules, but conntrack.enabled is false");
        }
      }
    }
  }

  private static final Set<String> DIRECTIONS = Set.of("in", "out", "both");

  /** Mirrored packet length: vSphere's smallest, and the largest frame a port may carry. */
  static final int MIN_TRUNCATE = 60;

  /**
   * Mirrors: names exist and are unique, and no copy can loop or leak into normal traffic. A
   * destination port is no source of any session (it sends only copies, which are never mirrored
   * again) and has no static FDB entry (it takes no normal I/O); an RSPAN VLAN is not one of its
   * own session's sources' VLANs (the copies would go back out where they were taken) and has no
   * static entries (it carries only copies).
   */
  private static void validateMirrors(
      SwitchConfig config,
      Map<String, SwitchConfig.Port> ports,
      Map<String, SwitchConfig.PortGroup> groups) {
    Set<String> names = new HashSet<>();
    Set<String> sources = new HashSet<>();
    config.mirrors().forEach(m -> sources.addAll(m.sources()));
    Set<String> destinations = new HashSet<>();
    Set<Integer> rspanVlans = new HashSet<>();
    for (SwitchConfig.Mirror m : config.mirrors()) {
      Names.check("mirror", m.name());
      String where = "mirror '" + m.name() + "'";
      require(names.add(m.name()), "mirror name '" + m.name() + "' is used twice");
      require(!m.sources().isEmpty(), where + ": needs sources (ports)");
      Set<String> seen = new HashSet<>();
      for (String source : m.sources()) {
        require(
            ports.containsKey(source),
            where + ": unknown source port '" + source + "'; ports are " + ports.keySet());
        require(seen.add(source), where + ": source '" + source + "' is listed twice");
      }
      require(
          DIRECTIONS.contains(m.direction()),
          where + ": direction '" + m.direction() + "' is unknown: use in, out or both");
      SwitchConfig.MirrorDestination d = m.destination();
      require(
          d != null
              && (d.port() != null ? 1 : 0)
                      + (d.vlan() != null ? 1 : 0)
                      + (d.erspan() != null ? 1 : 0)
                  == 1,
          where
              + ": destination is a port name, {vlan: N} (RSPAN) or {erspan: {...}}, exactly one");
      if (d.erspan() != null) {
        validateErspan(d.erspan(), ports, where);
      } else if (d.port() != null) {
        require(
            ports.containsKey(d.port()),
            where + ": unknown destination port '" + d.port() + "'; ports are " + ports.keySet());
        require(
            !sources.contains(d.port()),
            where
                + ": destination '"
                + d.port()
                + "' is a mirror source; a destination sends only copies, which are never"
                + " mirrored");
        destinations.add(d.port());
      } else {
        requireVlanId(d.vlan(), where + ": destination.vlan");
        for (String source : m.sources()) {
          require(
              !carries(vlanOf(ports.get(source), groups), d.vlan()),
              where
                  + ": source '"
                  + source
                  + "' is in the RSPAN VLAN "
                  + d.vlan()
                  + "; its copies would go back out where they were taken");
        }
        rspanVlans.add(d.vlan());
      }
      Set<Integer> filter = new HashSet<>();
      for (Integer vlan : m.vlans()) {
        requireVlanId(vlan, where + ": vlans");
        require(filter.add(vlan), where + ": vlans lists VLAN " + vlan + " twice");
      }
      require(
          m.truncate() == null
              || (m.truncate() >= MIN_TRUNCATE && m.truncate() <= SwitchConfig.Port.MAX_MTU + 18),
          where + ": truncate must be " + MIN_TRUNCATE + ".." + (SwitchConfig.Port.MAX_MTU + 18));
    }
    for (SwitchConfig.Mirror m : config.mirrors()) {
      SwitchConfig.Erspan e = m.destination().erspan();
      require(
          e == null || !destinations.contains(e.via()),
          "mirror '"
              + m.name()
              + "': erspan.via '"
              + (e == null ? "" : e.via())
              + "' is a mirror destination, which takes no normal traffic");
    }
    for (SwitchConfig.StaticEntry entry : config.fdb().entries()) {
      require(
          !destinations.contains(entry.port()),
          "fdb static entry "
              + entry.mac()
              + ": port '"
              + entry.port()
              + "' is a mirror"
              + " destination, which takes no normal traffic");
      require(
          !rspanVlans.contains(entry.vlan()),
          "fdb static entry "
              + entry.mac()
              + ": VLAN "
              + entry.vlan()
              + " is an RSPAN VLAN,"
              + " which carries only mirrored copies");
    }
  }

  private static void validateErspan(
      SwitchConfig.Erspan e, Map<String, SwitchConfig.Port> ports, String where) {
    require(
        e.via() != null && ports.containsKey(e.via()),
        where + ": erspan.via must name a port; ports are " + ports.keySet());
    ipv4(e.srcIp(), where + ": erspan.src-ip");
    ipv4(e.dstIp(), where + ": erspan.dst-ip");
    require(e.srcMac() != null && e.dstMac() != null, where + ": erspan needs src-mac and dst-mac");
    requireUnicastMac(e.srcMac(), where + ": erspan.src-mac");
    requireUnicastMac(e.dstMac(), where + ": erspan.dst-mac");
    require(
        e.sessionId() >= 0 && e.sessionId() <= 1023, where + ": erspan.session-id must be 0..1023");
  }

  /** A dotted-quad IPv4 address as an int (network order in the int's bits). */
  public static int ipv4(String text, String what) {
    String[] parts = text == null ? new String[0] : text.split("\\.", -1);
    require(parts.length == 4, what + ": '" + text + "' is not an IPv4 address (a.b.c.d)");
    int address = 0;
    for (String part : parts) {
      require(
          part.matches("[0-9]{1,3}") && Integer.parseInt(part) <= 255,
          what + ": '" + text + "' is not an IPv4 address (a.b.c.d)");
      address = address << 8 | Integer.parseInt(part);
    }
    return address;
  }

  private static SwitchConfig.Vlan vlanOf(
      SwitchConfig.Port port, Map<String, SwitchConfig.PortGroup> groups) {
    return port.portGroup() == null
        ? SwitchConfig.Vlan.DEFAULT
        : groups.get(port.portGroup()).vlan();
  }

  /** Compiles every ACL (and throws the result away): what validates is what compiles. */
  private static Set<String> validateAcls(
      List<SwitchConfig.Acl> acls, int workers, SecurityGroups securityGroups) {
    Set<String> names = new HashSet<>();
    for (SwitchConfig.Acl acl : acls) {
      Names.check("acl", acl.name());
      AclRules.compile(acl, workers, securityGroups);
      require(names.add(acl.name()), "acl name '" + acl.name() + "' is used twice");
    }
    return names;
  }

  private static void validateAclBinding(
      SwitchConfig.AclBinding binding, Set<String> acls, String where) {
    if (binding == null) {
      return;
    }
    require(
        binding.ingress() != null || binding.egress() != null,
        where + ": acl needs ingress, egress or both");
    for (String name : java.util.Arrays.asList(binding.ingress(), binding.egress())) {
      require(
          name == null || acls.contains(name),
          where + ": unknown acl '" + name + "'; acls are " + acls);
    }
  }

  private static void validateQos(SwitchConfig.Qos qos, String where) {
    if (qos == null) {
      return;
    }
    if (qos.ingressPolicer() != null) {
      QosSpecs.policer(qos.ingressPolicer(), where);
    }
    if (qos.egressShaper() != null) {
      QosSpecs.shaper(qos.egressShaper(), where);
    }
    if (qos.mark() != null) {
      SwitchConfig.Mark mark = qos.mark();
      require(mark.pcp() != null || mark.dscp() != null, where + ": mark needs pcp, dscp or both");
      if (mark.pcp() != null) {
        QosSpecs.pcp(mark.pcp(), where + ": mark.pcp");
      }
      if (mark.dscp() != null) {
        QosSpecs.dscp(mark.dscp(), where + ": mark.dscp");
      }
    }
  }

  private static Map<String, SwitchConfig.PortGroup> validatePortGroups(
      List<SwitchConfig.PortGroup> groups) {
    Map<String, SwitchConfig.PortGroup> byName = new HashMap<>();
    for (SwitchConfig.PortGroup group : groups) {
      Names.check("port group", group.name());
      require(
          byName.putIfAbsent(group.name(), group) == null,
          "port group name '" + group.name() + "' is used twice");
      validateVlan(group.vlan(), "port group '" + group.name() + "'");
      validateSecurity(group.security(), "port group '" + group.name() + "'");
    }
    return byName;
  }

  private static void validateVlan(SwitchConfig.Vlan vlan, String where) {
    switch (vlan.mode()) {
      case "access" -> {
        requireVlanId(vlan.id(), where + ": vlan.id");
        require(
            vlan.allowed().isEmpty() && vlan.nativeVlan() == null,
            where + ": an access port has one VLAN (id); allowed and native are for trunks");
      }
      case "trunk" -> {
        require(vlan.id() == null, where + ": a trunk has allowed VLANs, not an id");
        require(
            !vlan.allowed().isEmpty() || vlan.nativeVlan() != null,
            where + ": a trunk needs allowed VLANs or a native VLAN");
        Set<Integer> seen = new HashSet<>();
        for (Integer id : vlan.allowed()) {
          requireVlanId(id, where + ": vlan.allowed");
          require(seen.add(id), where + ": vlan.allowed lists VLAN " + id + " twice");
        }
        if (vlan.nativeVlan() != null) {
          requireVlanId(vlan.nativeVlan(), where + ": vlan.native");
        }
        require(
            vlan.nativeVlan() != null || !vlan.nativeTagged(),
            where + ": native-tagged needs a native VLAN");
      }
      default ->
          throw new ConfigException(
              where + ": vlan.mode '" + vlan.mode() + "' is unknown: use access or trunk");
    }
  }

  private static void requireVlanId(Integer id, String what) {
    require(id != null && id >= 1 && id <= 4094, what + " must be a VLAN id in 1..4094");
  }

  private static void validateSecurity(SwitchConfig.Security security, String where) {
    require(
        POLICY.contains(security.promiscuous()), where + ": promiscuous must be accept or reject");
    require(
        POLICY.contains(security.macChanges()), where + ": mac-changes must be accept or reject");
    require(
        POLICY.contains(security.forgedTransmits()),
        where + ": forged-transmits must be accept or reject");
    require(security.macLimit() >= 0, where + ": mac-limit must be >= 0 (0: no limit)");
  }

  private static void validateL2Port(
      SwitchConfig.Port port, Map<String, SwitchConfig.PortGroup> groups) {
    String where = "port '" + port.name() + "'";
    require(
        port.portGroup() == null || groups.containsKey(port.portGroup()),
        where + ": unknown port group '" + port.portGroup() + "'; groups are " + groups.keySet());
    if (port.mac() != null) {
      requireUnicastMac(port.mac(), where + ": mac");
    }
  }

  static long requireUnicastMac(String text, String what) {
    long mac;
    try {
      mac = MacAddress.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(what + ": '" + text + "' is not a MAC address (aa:bb:cc:dd:ee:ff)");
    }
    require(!MacAddress.isMulticast(mac), what + ": " + text + " is a multicast MAC");
    return mac;
  }

  private static void validateFdb(
      SwitchConfig config,
      Map<String, SwitchConfig.Port> ports,
      Map<String, SwitchConfig.PortGroup> groups) {
    SwitchConfig.Fdb fdb = config.fdb();
    require(fdb.agingSeconds() >= 1, "fdb.aging-seconds must be at least 1");
    require(
        fdb.capacity() >= 16 && fdb.capacity() <= 1 << 24, "fdb.capacity must be in 16..16777216");
    require(
        fdb.prefill() == null || (fdb.prefill() >= 0 && fdb.prefill() <= fdb.capacity()),
        "fdb.prefill must be in 0..fdb.capacity (" + fdb.capacity() + ")");
    for (SwitchConfig.StaticEntry entry : fdb.entries()) {
      String where = "fdb static entry " + entry.mac();
      requireUnicastMac(String.valueOf(entry.mac()), where);
      requireVlanId(entry.vlan(), where + ": vlan");
      Integer tunnelVlan = OverlaySpecs.tunnelVlan(config, entry.port());
      if (tunnelVlan != null) { // a remote MAC behind a remote VTEP
        require(
            tunnelVlan.equals(entry.vlan()),
            where + ": tunnel port '" + entry.port() + "' is on its segment's VLAN " + tunnelVlan);
        continue;
      }
      SwitchConfig.Port port = ports.get(entry.port());
      require(port != null, where + ": unknown port '" + entry.port() + "'");
      SwitchConfig.Vlan vlan =
          port.portGroup() == null
              ? SwitchConfig.Vlan.DEFAULT
              : groups.get(port.portGroup()).vlan();
      require(
          carries(vlan, entry.vlan()),
          where + ": port '" + port.name() + "' is not in VLAN " + entry.vlan());
    }
  }

  static boolean carries(SwitchConfig.Vlan vlan, int id) {
    return vlan.mode().equals("access")
        ? vlan.id() == id
        : vlan.allowed().contains(id) || Integer.valueOf(id).equals(vlan.nativeVlan());
  }

  private static void validateEal(SwitchConfig.Eal eal) {
    require(HUGEPAGES.contains(eal.hugepages()), "eal.hugepages must be auto, on or off");
    require(eal.memoryMb() >= 64, "eal.memory-mb must be at least 64");
    long hostMb = HostMemory.totalMb();
    require(
        eal.memoryMb() <= hostMb,
        "eal.memory-mb " + eal.memoryMb() + " is more than this host has (" + hostMb + " MiB)");
    requireCore(eal.mainCore(), "eal.main-core");
    EalArgs.check(eal.extraArgs());
  }

  private static void validateWorkers(SwitchConfig.Workers workers) {
    require(!workers.cores().isEmpty(), "workers.cores needs at least one core");
    require(
        IDLE.contains(workers.idle()),
        "workers.idle '" + workers.idle() + "' is unknown: use busy-spin or backoff");
    Set<Integer> seen = new HashSet<>();
    for (int core : workers.cores()) {
      if (core != -1) {
        requireCore(core, "workers.cores");
        require(seen.add(core), "workers.cores lists core " + core + " twice");
      }
    }
  }

  private static void requireCore(int core, String key) {
    int cpus = CPUS;
    require(
        core >= 0 && core < cpus,
        key + ": core " + core + " does not exist here (cores 0.." + (cpus - 1) + ")");
  }

  private static Map<String, SwitchConfig.Port> validatePorts(
      List<SwitchConfig.Port> ports, Predicate<String> opening) {
    require(!ports.isEmpty(), "no ports: add at least two under 'ports:'");
    require(
        ports.size() <= ConfigLimits.MAX_PORTS,
        ports.size()
            + " ports: at most "
            + ConfigLimits.MAX_PORTS
            + " (DPDK's RTE_MAX_ETHPORTS in this build)");
    Map<String, SwitchConfig.Port> byName = new HashMap<>();
    Map<String, String> deviceOwner = new HashMap<>();
    Map<String, String> resourceOwner = new HashMap<>();
    for (SwitchConfig.Port port : ports) {
      Names.check("port", port.name());
      PortTypes.validate(port);
      String devargs = PortTypes.devargs(port);
      require(
          byName.putIfAbsent(port.name(), port) == null,
          "port name '" + port.name() + "' is used twice");
      String device = deviceName(devargs);
      String other = deviceOwner.putIfAbsent(device, port.name());
      require(
          other == null,
          "ports '"
              + other
              + "' and '"
              + port.name()
              + "' both use device '"
              + device
              + "': give each its own (net_pcap0, net_pcap1, ...)");
      require(
          port.rxQueues() >= 1 && port.rxQueues() <= 64,
          "port '" + port.name() + "': rx-queues must be 1..64");
      require(
          isPowerOfTwo(port.rxDescriptors()) && isPowerOfTwo(port.txDescriptors()),
          "port '" + port.name() + "': rx-descriptors and tx-descriptors must be powers of two");
      require(
          port.mtuOrDefault() >= 68 && port.mtuOrDefault() <= SwitchConfig.Port.MAX_MTU,
          "port '" + port.name() + "': mtu must be 68.." + SwitchConfig.Port.MAX_MTU);
      if (opening.test(port.name())) {
        HostChecks.check(port.name(), devargs);
      }
      String resource = HostChecks.exclusiveResource(devargs);
      String holder = resource == null ? null : resourceOwner.putIfAbsent(resource, port.name());
      require(
          holder == null,
          "ports '" + holder + "' and '" + port.name() + "' both use " + resource + ": one each");
    }
    return byName;
  }

  private static void validateCrossConnect(
      List<List<String>> pairs, Map<String, SwitchConfig.Port> ports) {
    Set<String> connected = new HashSet<>();
    for (List<String> pair : pairs) {
      require(pair.size() == 2, "cross-connect entry " + pair + " must name exactly two ports");
      for (String name : pair) {
        require(
            ports.containsKey(name),
            "cross-connect names unknown port '" + name + "'; ports are " + ports.keySet());
        require(connected.add(name), "port '" + name + "' is cross-connected twice");
      }
    }
    for (String name : ports.keySet()) {
      require(connected.contains(name), "port '" + name + "' is not cross-connected to anything");
    }
  }

  static String deviceName(String devargs) {
    int comma = devargs.indexOf(',');
    return comma < 0 ? devargs : devargs.substring(0, comma);
  }

  private static boolean isPowerOfTwo(int n) {
    return n > 0 && (n & (n - 1)) == 0;
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new ConfigException(message);
    }
  }
}
