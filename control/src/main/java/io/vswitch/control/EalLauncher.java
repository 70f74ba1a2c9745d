package io.vswitch.control;

import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.PortTypes;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.ffm.EalOptions;
import io.vswitch.ffm.EthPort;
import io.vswitch.ffm.Hugepages;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Turns the config's EAL section into EAL options, deciding hugepages versus --no-huge. */
final class EalLauncher {
  private EalLauncher() {}

  static EalOptions options(SwitchConfig config, PrintStream notices) {
    SwitchConfig.Eal eal = config.eal();
    boolean usable = Hugepages.usable(eal.memoryMb());
    String virtioUser = virtioUserPort(config);
    if (virtioUser != null && (eal.hugepages().equals("off") || !usable)) {
      // virtio-user hands its memory to the vhost backend as file descriptors: anonymous --no-huge
      // memory cannot be shared, so the backend could not reach a single buffer.
      throw new ConfigException(
          "port '"
              + virtioUser
              + "' (virtio-user) needs hugepages to share its memory with the backend, and "
              + (eal.hugepages().equals("off")
                  ? "eal.hugepages is off: set it to auto or on"
                  : "fewer than "
                      + eal.memoryMb()
                      + " MB are free and mounted: run"
                      + " scripts/hugepages.sh "
                      + (eal.memoryMb() / 2 + 64)));
    }
    boolean hugepages =
        switch (eal.hugepages()) {
          case "on" -> {
            if (!usable) {
              throw new ConfigException(
                  "eal.hugepages is 'on' but fewer than "
                      + eal.memoryMb()
                      + " MB of hugepages are free and mounted: run scripts/hugepages.sh, or set"
                      + " hugepages: auto");
            }
            yield true;
          }
          case "off" -> false;
          default -> usable;
        };
    if (!hugepages && eal.hugepages().equals("auto")) {
      notices.println(
          "vswitch: notice: no free hugepages mounted; running with --no-huge (slower; reserve"
              + " some with scripts/hugepages.sh)");
    }
    // PCI ports are probed by EAL at start, and only those: -a for each keeps it off other NICs.
    List<String> extra = new ArrayList<>();
    for (SwitchConfig.Port port : config.ports()) {
      String devargs = PortTypes.devargs(port);
      if (EthPort.isPciDevargs(devargs)) {
        extra.add("-a");
        extra.add(devargs);
      }
    }
    boolean pci = !extra.isEmpty();
    if (virtioUser != null) {
      extra.add("--single-file-segments"); // one fd per memseg list, within vhost-user's 8 regions
    }
    extra.addAll(eal.extraArgs());
    return new EalOptions(eal.mainCore(), eal.memoryMb(), hugepages, pci, true, "warning", extra);
  }

  /** The first virtio-user port's name, or null. */
  private static String virtioUserPort(SwitchConfig config) {
    for (SwitchConfig.Port port : config.ports()) {
      if (PortTypes.devargs(port).startsWith("net_virtio_user")) {
        return port.name();
      }
    }
    return null;
  }
}
