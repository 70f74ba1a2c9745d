package io.vswitch.control.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a whole {@link SwitchConfig} before anything is started, so that a bad config changes
 * nothing. Each failure is a one-line {@link ConfigException} naming the offending item.
 */
public final class ConfigValidator {
  private static final Pattern IFACE = Pattern.compile("(?:^|,)iface=([^,]+)");
  private static final Pattern FILE_ARG = Pattern.compile("(?:^|,)(rx_pcap|tx_pcap)=([^,]+)");
  private static final Set<String> IDLE = Set.of("busy-spin", "backoff");
  private static final Set<String> HUGEPAGES = Set.of("auto", "on", "off");

  private ConfigValidator() {}

  public static SwitchConfig validate(SwitchConfig config) {
    validateEal(config.eal());
    validateWorkers(config.workers());
    Map<String, SwitchConfig.Port> ports = validatePorts(config.ports());
    validateCrossConnect(config.crossConnect(), ports);
    return config;
  }

  private static void validateEal(SwitchConfig.Eal eal) {
    require(HUGEPAGES.contains(eal.hugepages()), "eal.hugepages must be auto, on or off");
    require(eal.memoryMb() >= 64, "eal.memory-mb must be at least 64");
    requireCore(eal.mainCore(), "eal.main-core");
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
    int cpus = Runtime.getRuntime().availableProcessors();
    require(
        core >= 0 && core < cpus,
        key + ": core " + core + " does not exist here (cores 0.." + (cpus - 1) + ")");
  }

  private static Map<String, SwitchConfig.Port> validatePorts(List<SwitchConfig.Port> ports) {
    require(!ports.isEmpty(), "no ports: add at least two under 'ports:'");
    Map<String, SwitchConfig.Port> byName = new HashMap<>();
    Map<String, String> deviceOwner = new HashMap<>();
    for (SwitchConfig.Port port : ports) {
      require(port.name() != null && !port.name().isBlank(), "every port needs a name");
      require(
          port.devargs() != null && !port.devargs().isBlank(),
          "port '" + port.name() + "' needs devargs (e.g. net_af_xdp0,iface=eth0)");
      require(
          byName.putIfAbsent(port.name(), port) == null,
          "port name '" + port.name() + "' is used twice");
      String device = deviceName(port.devargs());
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
      checkInterface(port);
      checkInputFiles(port);
    }
    return byName;
  }

  /** A missing kernel interface is the most common typo: say so before DPDK does, less clearly. */
  private static void checkInterface(SwitchConfig.Port port) {
    Matcher m = IFACE.matcher(port.devargs());
    if (m.find()) {
      String iface = m.group(1);
      require(
          Files.exists(Path.of("/sys/class/net", iface)),
          "port '"
              + port.name()
              + "': network interface '"
              + iface
              + "' does not exist (see `ip link show`)");
    }
  }

  private static void checkInputFiles(SwitchConfig.Port port) {
    Matcher m = FILE_ARG.matcher(port.devargs());
    while (m.find()) {
      if (m.group(1).equals("rx_pcap")) {
        require(
            Files.isReadable(Path.of(m.group(2))),
            "port '" + port.name() + "': capture file '" + m.group(2) + "' cannot be read");
      }
    }
  }

  private static void validateCrossConnect(
      List<List<String>> pairs, Map<String, SwitchConfig.Port> ports) {
    require(!pairs.isEmpty(), "nothing to forward: add 'cross-connect: [[portA, portB]]'");
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
