package io.vswitch.ffm;

import java.util.ArrayList;
import java.util.List;

/**
 * The EAL command line, built from what the switch needs rather than typed by hand.
 *
 * @param mainCore the core of DPDK's main lcore (the control thread's home; workers register their
 *     own lcores at run time)
 * @param memoryMb memory EAL reserves up front
 * @param hugepages use hugepages; when false, --no-huge (anonymous memory, IOVA as VA)
 * @param pci scan the PCI bus; false adds --no-pci so a laptop never touches a NIC
 * @param inMemory keep this process's EAL private, so several DPDK processes run side by side:
 *     --in-memory with hugepages; without them (where DPDK refuses --in-memory because --no-huge
 *     implies legacy memory) a file prefix of our own
 * @param logLevel DPDK's log level ("notice", "warning", "error", ...)
 * @param extra arguments appended as given (the config's escape hatch)
 */
public record EalOptions(
    int mainCore,
    int memoryMb,
    boolean hugepages,
    boolean pci,
    boolean inMemory,
    String logLevel,
    List<String> extra) {

  public EalOptions {
    extra = List.copyOf(extra);
  }

  /** Options for a process with no NIC and no hugepages: tests, laptops, CI. */
  public static EalOptions virtualOnly(int memoryMb) {
    return new EalOptions(0, memoryMb, false, false, true, "warning", List.of());
  }

  public EalOptions withHugepages(boolean on) {
    return new EalOptions(mainCore, memoryMb, on, pci, inMemory, logLevel, extra);
  }

  public List<String> toArguments() {
    List<String> args = new ArrayList<>();
    args.add("-l");
    args.add(Integer.toString(mainCore));
    args.add("-m");
    args.add(Integer.toString(memoryMb));
    if (!hugepages) {
      args.add("--no-huge");
    }
    if (!pci) {
      args.add("--no-pci");
    }
    if (inMemory) {
      // Our own prefix either way, so the runtime directory (telemetry socket) is ours to remove.
      args.add("--file-prefix=vswitch-" + ProcessHandle.current().pid());
      if (hugepages) {
        args.add("--in-memory");
      }
    }
    args.add("--log-level=" + logLevel);
    args.addAll(extra);
    return args;
  }
}
