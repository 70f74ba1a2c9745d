package io.vswitch.control;

import io.vswitch.control.config.ConfigException;
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
      if (EthPort.isPciDevargs(port.devargs())) {
        extra.add("-a");
        extra.add(port.devargs());
      }
    }
    boolean pci = !extra.isEmpty();
    extra.addAll(eal.extraArgs());
    return new EalOptions(eal.mainCore(), eal.memoryMb(), hugepages, pci, true, "warning", extra);
  }
}
