package io.vswitch.control.config;

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
 * ports:
 *   - name: uplink
 *     devargs: net_af_xdp0,iface=eth0
 *     rx-queues: 1
 * cross-connect:
 *   - [uplink, vm1]
 * </pre>
 */
public record SwitchConfig(
    Eal eal, Workers workers, List<Port> ports, List<List<String>> crossConnect, String counters) {

  public SwitchConfig {
    eal = eal == null ? Eal.DEFAULT : eal;
    workers = workers == null ? Workers.DEFAULT : workers;
    ports = ports == null ? List.of() : List.copyOf(ports);
    crossConnect = crossConnect == null ? List.of() : List.copyOf(crossConnect);
  }

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
      int cpus = Runtime.getRuntime().availableProcessors();
      return cpus > 1 ? cpus - 1 : -1;
    }
  }

  /** One port. */
  public record Port(
      String name, String devargs, Integer rxQueues, Integer rxDescriptors, Integer txDescriptors) {
    public Port {
      rxQueues = rxQueues == null ? 1 : rxQueues;
      rxDescriptors = rxDescriptors == null ? 1024 : rxDescriptors;
      txDescriptors = txDescriptors == null ? 1024 : txDescriptors;
    }
  }
}
