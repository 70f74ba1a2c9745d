package io.vswitch.control;

import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.ffm.EalOptions;
import io.vswitch.ffm.Hugepages;
import java.io.PrintStream;

/** Turns the config's EAL section into EAL options, deciding hugepages versus --no-huge. */
final class EalLauncher {
  private EalLauncher() {}

  static EalOptions options(SwitchConfig.Eal eal, PrintStream notices) {
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
    return new EalOptions(
        eal.mainCore(), eal.memoryMb(), hugepages, false, true, "warning", eal.extraArgs());
  }
}
