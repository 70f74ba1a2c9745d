package io.vswitch.perf.bench;

import io.vswitch.perf.frames.ConnectionTraffic;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The generator of the connection-tracking rows: a dpdk-testpmd of its own, in io mode, replaying
 * {@link ConnectionTraffic}'s captures (net_pcap infinite_rx, in its own pool of small mbufs, so a
 * million-frame file fits in ~0.5 GB) into net_memif server ports the switch under test opens as
 * clients: {@link #genDevargs()} for its access port and, with replies, {@link #sinkDevargs()} for
 * its trunk, which then also gets every connection's reply. What the switch sends back on a memif
 * is received and dropped. Both switches of a pair get the same files, the same process, the same
 * cores.
 *
 * <p>Cores: its forwarding lcore runs on the main core (with its own main lcore and the switch's
 * control threads), never on the worker core, which stays the switch's worker's (or PMD's) alone.
 * Its CPU over the window is measured ({@link #cpu}) and goes into the row's note: when it is near
 * a whole core, the generator and not the switch may be what limits the rate.
 */
final class FlowGenerator implements AutoCloseable {
  private static final String FILE_PREFIX = "vswitch-bench-gen-" + ProcessHandle.current().pid();
  private static int instances;

  private final ChildProcess testpmd;
  private final String socketBase;
  private final boolean replies;

  private FlowGenerator(ChildProcess testpmd, String socketBase, boolean replies) {
    this.testpmd = testpmd;
    this.socketBase = socketBase;
    this.replies = replies;
  }

  /**
   * Starts the generator of {@code entry}'s traffic ({@code conns}) with {@code queues} queue pairs
   * per memif port: as many as the client opens, since a memif server refuses a client ring beyond
   * its queues (OVS opens one tx queue per polling thread, PMD and non-PMD: 2 here) and a server
   * queue no client ring backs is not usable. Each rx queue of a capture port replays its own part
   * of the frames (connections c mod queues), so the frames are the same whatever the split.
   */
  static FlowGenerator start(
      String name, BenchSettings s, BenchEntry entry, BenchEntry.Connections conns, int queues) {
    return start(
        name,
        s,
        new ConnectionTraffic(
            s.frameSize(), conns.count(), entry.traffic().flows(), conns.replies()),
        queues);
  }

  /** Starts the generator for {@code traffic} and waits until it forwards. */
  static FlowGenerator start(String name, BenchSettings s, ConnectionTraffic traffic, int queues) {
    StringBuilder fwd = new StringBuilder();
    StringBuilder reply = traffic.replies() ? new StringBuilder() : null;
    for (int q = 0; q < queues; q++) {
      fwd.append(",rx_pcap=").append(traffic.writeForward(s.workDir(), q, queues));
      if (reply != null) {
        reply.append(",rx_pcap=").append(traffic.writeReplies(s.workDir(), q, queues));
      }
    }
    String socketBase = "/tmp/" + FILE_PREFIX + "-" + (++instances);
    int pcaps = traffic.replies() ? 2 : 1;
    // infinite_rx holds every frame of the files, memif rx rings and caches the rest
    long mbufs = (long) traffic.connections() * pcaps + 65536L * queues;
    int dataRoom = 128 + ((traffic.frameSize() + 63) / 64) * 64;
    long memoryMb = mbufs * (dataRoom + 256) / (1 << 20) + 64L * pcaps + 256;
    List<String> cmd = new ArrayList<>();
    cmd.add("dpdk-testpmd");
    // two lcores on one CPU: the main lcore and the forwarding one, both on the main core
    cmd.add("--lcores=0@" + s.mainCore() + ",1@" + s.mainCore());
    cmd.add("--main-lcore=0");
    cmd.add("-n");
    cmd.add("1");
    cmd.add(s.hugepages() ? "--in-memory" : "--no-huge");
    cmd.add("-m");
    cmd.add(Long.toString(memoryMb));
    cmd.add("--no-pci");
    cmd.add("--no-telemetry");
    cmd.add("--file-prefix=" + FILE_PREFIX);
    cmd.add("--log-level=warning");
    cmd.add("--vdev=net_pcap0" + fwd + ",infinite_rx=1");
    cmd.add("--vdev=net_memif0,role=server,id=0,socket=" + socketBase + "-gen.sock");
    if (reply != null) {
      cmd.add("--vdev=net_pcap1" + reply + ",infinite_rx=1");
      cmd.add("--vdev=net_memif1,role=server,id=0,socket=" + socketBase + "-sink.sock");
    }
    cmd.add("--");
    cmd.add("--forward-mode=io");
    cmd.add("--nb-cores=1");
    cmd.add("--burst=32");
    cmd.add("--rxq=" + queues);
    cmd.add("--txq=" + queues);
    cmd.add("--total-num-mbufs=" + mbufs);
    cmd.add("--mbuf-size=" + dataRoom);
    cmd.add("--stats-period=5");
    cmd.add("--auto-start");
    ChildProcess p =
        ChildProcess.start("generator-" + name, cmd, s.logDir().resolve(name + "-generator.log"));
    String started =
        p.awaitLine(
            l -> l.contains("start packet forwarding") || l.contains("EAL: Error"), 180_000);
    if (started == null || started.contains("Error") || !p.isAlive()) {
      p.stop();
      OvsRunner.deleteTree(Path.of("/var/run/dpdk", FILE_PREFIX));
      throw new IllegalStateException(
          "the generator (testpmd) did not start; see " + name + "-generator.log");
    }
    return new FlowGenerator(p, socketBase, traffic.replies());
  }

  /** The switch's access port: the memif client of the host-to-server frames. */
  String genDevargs() {
    return "net_memif0,role=client,id=0,socket=" + socketBase + "-gen.sock";
  }

  /** The switch's trunk: the memif client of the replies (null without replies). */
  String sinkDevargs() {
    return replies ? "net_memif1,role=client,id=0,socket=" + socketBase + "-sink.sock" : null;
  }

  /** The generator's forwarding lcore's CPU now, for {@link ThreadCpu.Sample#coresSince}. */
  ThreadCpu.Sample cpu() {
    return ThreadCpu.sample(testpmd.pid(), ThreadCpu.DPDK_LCORES);
  }

  boolean alive() {
    return testpmd.isAlive();
  }

  @Override
  public void close() {
    testpmd.stop();
    OvsRunner.deleteTree(Path.of("/var/run/dpdk", FILE_PREFIX));
    // memif's sockets are abstract by default; were they files, they go too
    OvsRunner.deleteTree(Path.of(socketBase + "-gen.sock"));
    OvsRunner.deleteTree(Path.of(socketBase + "-sink.sock"));
  }
}
