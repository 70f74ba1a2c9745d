package io.vswitch.perf.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * What every measurement in one bench run shares, so that they compare: the cores, the frame size,
 * the timing and where files go.
 *
 * @param mainCore the control/main lcore of every process (testpmd, the switch, OVS)
 * @param workerCore the one forwarding core (testpmd's forwarding lcore, the switch's worker, OVS's
 *     PMD)
 * @param secondCore the second worker's core for 2-worker configurations
 * @param frameSize bytes per frame on the wire, FCS included
 * @param warmupSeconds forwarding before the first reading
 * @param seconds the measured interval
 * @param hugepages run every DPDK process with hugepages (else --no-huge)
 * @param memoryMb DPDK memory of each process
 * @param workDir captures, configs, counter files (removed at exit by the script)
 * @param logDir one log per process started, kept for reading afterwards
 * @param javaCommand the switch's JVM: java binary and options before the main class
 */
public record BenchSettings(
    int mainCore,
    int workerCore,
    int secondCore,
    int frameSize,
    int warmupSeconds,
    int seconds,
    boolean hugepages,
    int memoryMb,
    Path workDir,
    Path logDir,
    List<String> javaCommand) {

  public BenchSettings {
    javaCommand = List.copyOf(javaCommand);
  }

  /** The vdev name and args of generator {@code i}, replaying {@code pcap} forever. */
  public static String generator(int i, Path pcap) {
    return "net_pcap" + i + ",rx_pcap=" + pcap + ",infinite_rx=1";
  }

  /** The vdev of sink {@code i}: drops what it is given, receives nothing. */
  public static String sink(int i) {
    return "net_null" + i + ",no-rx=1";
  }

  /** EAL memory arguments common to the references (the switch takes them from its config). */
  public List<String> ealMemoryArgs() {
    return hugepages
        ? List.of("--in-memory", "-m", Integer.toString(memoryMb))
        : List.of("--no-huge", "-m", Integer.toString(memoryMb));
  }
}
