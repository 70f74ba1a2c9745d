package io.vswitch.control.testing;

import io.vswitch.control.config.FanoutGroups;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;

/**
 * What a multi-host overlay test creates, owned in one place: an etcd, the underlay pair joining
 * the hosts' uplinks, the VMs ({@link NetnsHost#overlayGuest}) and each host's switch process,
 * whose home is {@code DIR/NAME} (state in {@code DIR/NAME/state}, as {@link HostCli} expects).
 * {@link #close()} removes all of it, last made first, so switches stop before the links they use
 * go. Names of namespaces and links start with the test's prefix and this JVM's pid, so two runs on
 * one machine do not meet.
 */
public final class OverlayLab implements AutoCloseable {
  private final Path dir;
  private final String prefix;
  private final Deque<AutoCloseable> made = new ArrayDeque<>();
  private final List<SwitchProcess> switches = new ArrayList<>();
  private EtcdServer etcd;

  /** A lab under {@code dir}; skips the test where netns or etcd are not available. */
  public OverlayLab(Path dir, String prefix) {
    Assumptions.assumeTrue(NetnsHost.available(), "needs root and iproute2");
    Assumptions.assumeTrue(EtcdServer.available(), "needs /usr/bin/etcd (scripts/install-deps.sh)");
    this.dir = dir;
    this.prefix = prefix + (ProcessHandle.current().pid() % 1000);
  }

  /** {@code name} made unique to this test and run (keep it short: link names have 15 bytes). */
  public String tag(String name) {
    return prefix + name;
  }

  /** Starts the lab's etcd on a free port pair in [first, last]. */
  public EtcdServer startEtcd(int first, int last) {
    etcd = keep(EtcdServer.start(first, last));
    return etcd;
  }

  public EtcdServer etcd() {
    return etcd;
  }

  /** The veth pair {@code tag("ua")} -- {@code tag("ub")} joining two hosts' uplinks. */
  public Underlay underlay() {
    return keep(Underlay.create(tag("ua"), tag("ub")));
  }

  /** VM {@code name} with {@code cidr} and {@code mac}, behind an overlay's MTU. */
  public NetnsHost vm(String name, String cidr, String mac) {
    return keep(NetnsHost.overlayGuest(tag(name), cidr, mac));
  }

  /** VM {@code vm}'s vNIC on another host: {@link NetnsHost#secondLink}, removed on close. */
  public NetnsHost secondLink(NetnsHost vm, String name, String mac) {
    return keep(vm.secondLink(tag(name), mac));
  }

  /** Host {@code name}'s home, made on first use. */
  public Path home(String name) {
    try {
      return Files.createDirectories(dir.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts host {@code name}'s switch on {@code config} with its state dir in its home. */
  public SwitchProcess start(String name, String config) {
    Path home = home(name);
    SwitchProcess sw =
        keep(SwitchProcess.start(home, config, "--state-dir", home.resolve("state").toString()));
    switches.add(sw);
    return sw;
  }

  /**
   * Restarts {@code later} until no VM veth it may come to hold as an afpacket port shares a DPDK
   * fanout group (pid xor ifindex, {@link FanoutGroups#dpdkGroup}) with one {@code earlier} may
   * hold. A lab's hosts share the root namespace, where the kernel keeps the groups, and their pids
   * and ifindexes are close, so they meet often (one live add-port in six in one loop); real hosts
   * have a namespace each, and a live add-port refused for the other switch's group is this lab's
   * failure, not the product's. Call it before the test's traffic starts, with every VM either
   * switch will take.
   */
  public void separateFanoutGroups(
      SwitchProcess earlier,
      List<NetnsHost> earlierVms,
      SwitchProcess later,
      List<NetnsHost> laterVms) {
    for (int attempt = 1; ; attempt++) {
      Set<Integer> taken = groups(earlier, earlierVms);
      Set<Integer> clashes = groups(later, laterVms);
      clashes.retainAll(taken);
      if (clashes.isEmpty()) {
        return;
      }
      if (attempt > 5) {
        throw new AssertionError("fanout groups " + clashes + " still shared after 5 restarts");
      }
      System.err.println("fanout groups " + clashes + " shared by two lab hosts; restarting one");
      later.restart();
    }
  }

  private static Set<Integer> groups(SwitchProcess sw, List<NetnsHost> vms) {
    Set<Integer> groups = new HashSet<>();
    for (NetnsHost vm : vms) {
      Integer group = FanoutGroups.dpdkGroup(sw.pid(), vm.switchInterface());
      if (group == null) {
        throw new IllegalStateException(vm.switchInterface() + " is not there");
      }
      groups.add(group);
    }
    return groups;
  }

  /** Every switch but {@code sw}: its output, for a failure's message. */
  public String othersOutput(SwitchProcess sw) {
    StringBuilder out = new StringBuilder();
    switches.stream().filter(o -> o != sw).forEach(o -> out.append(o.output()));
    return out.toString();
  }

  private <T extends AutoCloseable> T keep(T resource) {
    made.push(resource);
    return resource;
  }

  @Override
  public void close() {
    RuntimeException first = null;
    for (AutoCloseable r; (r = made.poll()) != null; ) {
      try {
        r.close();
      } catch (Exception e) {
        if (first == null) {
          first = new IllegalStateException("closing " + r, e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
