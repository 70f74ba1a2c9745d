package io.vswitch.control.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A test host: a network namespace with one end of a veth pair (addressed, up), whose other end
 * stays in the root namespace for the switch to open. Everything is removed on close.
 */
public final class NetnsHost implements AutoCloseable {
  private final String namespace;
  private final String hostSide;
  private final String switchSide;
  private final String address;

  /** False for a {@link #secondLink}: the namespace is the first link's host's to remove. */
  private final boolean ownsNamespace;

  private NetnsHost(String namespace, String hostSide, String switchSide, String address) {
    this(namespace, hostSide, switchSide, address, true);
  }

  private NetnsHost(
      String namespace, String hostSide, String switchSide, String address, boolean owns) {
    this.namespace = namespace;
    this.hostSide = hostSide;
    this.switchSide = switchSide;
    this.address = address;
    this.ownsNamespace = owns;
  }

  /**
   * A second link of this host, {@code tag} naming its veth pair, with MAC {@code mac} and this
   * host's MTU and offloads, down on the host's side and without an address: a VM's vNIC on another
   * hypervisor host, which the VM uses once it runs there ({@link #switchOver}). Its switch side is
   * the returned host's {@link #switchInterface()}; closing it removes only its link.
   */
  public NetnsHost secondLink(String tag, String mac) {
    String hostSide2 = "vh" + tag;
    String switchSide2 = "vs" + tag;
    NetnsHost link = new NetnsHost(namespace, hostSide2, switchSide2, null, false);
    try {
      run("ip", "link", "add", hostSide2, "type", "veth", "peer", "name", switchSide2);
      run("ip", "link", "set", hostSide2, "netns", namespace);
      run("ip", "-n", namespace, "link", "set", hostSide2, "address", mac);
      String mtu = output("cat", "/sys/class/net/" + hostSide + "/mtu").strip();
      run("ip", "-n", namespace, "link", "set", hostSide2, "mtu", mtu);
      exitCode(
          List.of("ip", "netns", "exec", namespace, "ethtool", "-K", hostSide2, "txvlan", "off"));
      run("sysctl", "-qw", "net.ipv6.conf." + switchSide2 + ".disable_ipv6=1");
      run("ip", "link", "set", switchSide2, "up");
      return link;
    } catch (RuntimeException e) {
      link.close();
      throw e;
    }
  }

  /**
   * The VM's switch-over to {@code other}, a {@link #secondLink} of it: this link goes down (the VM
   * stops running behind it) and {@code cidr} moves to the other, which comes up. The kernel's
   * sockets bound to the address live on.
   */
  public void switchOver(NetnsHost other, String cidr) {
    run("ip", "-n", namespace, "link", "set", hostSide, "down");
    run("ip", "-n", namespace, "addr", "del", cidr, "dev", hostSide);
    run("ip", "-n", namespace, "addr", "add", cidr, "dev", other.hostSide);
    run("ip", "-n", namespace, "link", "set", other.hostSide, "up");
  }

  /**
   * Creates host {@code tag} (a short unique string) with IPv4 {@code cidr} on its interface; the
   * switch's side of the link is {@link #switchInterface()}.
   */
  public static NetnsHost create(String tag, String cidr) {
    return create(tag, cidr, null);
  }

  /** As {@link #create(String, String)}, with the host's MAC set (null: the kernel picks). */
  public static NetnsHost create(String tag, String cidr, String mac) {
    return create(tag, cidr, mac, false);
  }

  /**
   * As {@link #create(String, String)}, but the host keeps the kernel's default offloads (tx
   * checksum, TSO, GSO on): what a laptop user's container has. Only txvlan is still turned off.
   */
  public static NetnsHost createWithDefaultOffloads(String tag, String cidr) {
    return create(tag, cidr, null, true);
  }

  /**
   * A VM of an overlay test: default offloads (as a guest has them), MAC {@code mac}, an MTU of
   * {@link #OVERLAY_MTU} so that its frames fit the underlay once encapsulated, and IPv6 off so
   * that it sends nothing unasked (no router solicitations or MLD reports in the captures).
   */
  public static NetnsHost overlayGuest(String tag, String cidr, String mac) {
    NetnsHost host = create(tag, cidr, mac, true);
    try {
      run("ip", "-n", host.namespace, "link", "set", host.hostSide, "mtu", "" + OVERLAY_MTU);
      host.exec("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
      return host;
    } catch (RuntimeException e) {
      host.close();
      throw e;
    }
  }

  /** A 1,500-byte underlay less VXLAN's (and Geneve's) 50 bytes of outer headers. */
  public static final int OVERLAY_MTU = 1450;

  private static NetnsHost create(String tag, String cidr, String mac, boolean defaultOffloads) {
    String ns = "vsw-" + tag;
    String hostSide = "vh" + tag;
    String switchSide = "vs" + tag;
    NetnsHost host =
        new NetnsHost(ns, hostSide, switchSide, cidr == null ? null : cidr.split("/")[0]);
    try {
      run("ip", "netns", "add", ns);
      run("ip", "link", "add", hostSide, "type", "veth", "peer", "name", switchSide);
      run("ip", "link", "set", hostSide, "netns", ns);
      if (mac != null) {
        run("ip", "-n", ns, "link", "set", hostSide, "address", mac);
      }
      // VLAN tags in the frame, not in skb metadata: what a NIC on a wire would carry.
      exitCode(List.of("ip", "netns", "exec", ns, "ethtool", "-K", hostSide, "txvlan", "off"));
      // Whole, checksummed frames too: with offloads on, veth hands TCP over with the checksum
      // left to "the NIC" (and GSO super-frames), which a switch forwarding bytes never fills in.
      if (!defaultOffloads) {
        exitCode(
            List.of(
                "ip", "netns", "exec", ns, "ethtool", "-K", hostSide, "tx", "off", "tso", "off",
                "gso", "off"));
      }
      if (cidr != null) {
        run("ip", "-n", ns, "addr", "add", cidr, "dev", hostSide);
      }
      run("ip", "-n", ns, "link", "set", hostSide, "up");
      run("ip", "-n", ns, "link", "set", "lo", "up");
      // Keep the switch's side quiet: no IPv6 router solicitations or DAD in the captures.
      run("sysctl", "-qw", "net.ipv6.conf." + switchSide + ".disable_ipv6=1");
      run("ip", "link", "set", switchSide, "up");
      return host;
    } catch (RuntimeException e) {
      host.close();
      throw e;
    }
  }

  /**
   * Makes this a trunk host that owns {@code vlanAddresses} ("10:10.98.10.4", one per VLAN) and
   * answers ARP and ping on them, tagged. A user-space responder (vlan_host.py), because test
   * kernels here have neither 802.1Q sub-interfaces nor VLAN-aware bridges. Stops on close.
   */
  public void serveVlans(String mac, String... vlanAddresses) {
    try {
      java.nio.file.Path script = java.nio.file.Files.createTempFile("vlan_host", ".py");
      logs.add(script); // deleted on close with the servers' logs
      try (var in = NetnsHost.class.getResourceAsStream("/vlan_host.py")) {
        java.nio.file.Files.write(script, in.readAllBytes());
      }
      List<String> command =
          new ArrayList<>(
              List.of(
                  "ip", "netns", "exec", namespace, "python3", script.toString(), hostSide, mac));
      command.addAll(List.of(vlanAddresses));
      vlanHost = new ProcessBuilder(command).redirectErrorStream(true).start();
      var out =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(vlanHost.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      if (!"ready".equals(line)) {
        throw new IllegalStateException("vlan_host.py did not start: " + line);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Process vlanHost;

  public void addAddress(String cidr) {
    run("ip", "-n", namespace, "addr", "add", cidr, "dev", hostSide);
  }

  /** Changes the host's MAC, as a guest OS changing its adapter's address. */
  public void setMac(String mac) {
    run("ip", "-n", namespace, "link", "set", hostSide, "address", mac);
  }

  /** Takes the host's link down (a VM leaving this port). */
  public void down() {
    run("ip", "-n", namespace, "link", "set", hostSide, "down");
  }

  /**
   * Counts the frames matching the tcpdump {@code filter} that arrive at this host while {@code
   * traffic} runs.
   */
  public int capture(String filter, Runnable traffic) {
    return (int) captureText(filter, "", traffic).lines().count();
  }

  /**
   * The tcpdump text ({@code -n} plus {@code flags}, e.g. "-v -e" for TOS and 802.1Q priority) of
   * the frames matching {@code filter} that arrive at this host while {@code traffic} runs.
   */
  public String captureText(String filter, String flags, Runnable traffic) {
    try {
      java.nio.file.Path file = java.nio.file.Files.createTempFile("vswitch-capture", ".pcap");
      List<String> command =
          new ArrayList<>(
              List.of(
                  "ip",
                  "netns",
                  "exec",
                  namespace,
                  "tcpdump",
                  "-n",
                  "-U",
                  "--immediate-mode", // else libpcap hands packets over up to 1 s late
                  "-i",
                  hostSide,
                  "-w",
                  file.toString()));
      command.addAll(List.of(filter.split(" ")));
      Process tcpdump = new ProcessBuilder(command).redirectErrorStream(true).start();
      Thread.sleep(1000); // tcpdump attaches its filter before printing anything we could wait on
      traffic.run();
      Thread.sleep(500);
      tcpdump.destroy();
      tcpdump.waitFor(10, TimeUnit.SECONDS);
      List<String> reader = new ArrayList<>(List.of("tcpdump", "-n", "-r", file.toString()));
      if (!flags.isBlank()) {
        reader.addAll(List.of(flags.strip().split(" +")));
      }
      Process read =
          new ProcessBuilder(reader).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String text = new String(read.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      read.waitFor(10, TimeUnit.SECONDS);
      java.nio.file.Files.deleteIfExists(file);
      return text;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The value of one offload feature of the host's interface ("on", "off", "off [fixed]"). */
  public String offload(String feature) {
    for (String line : output("ethtool", "-k", hostSide).lines().toList()) {
      if (line.startsWith(feature + ":")) {
        return line.substring(feature.length() + 1).strip();
      }
    }
    throw new IllegalStateException("ethtool -k " + hostSide + " has no " + feature);
  }

  public String switchInterface() {
    return switchSide;
  }

  /** Whether an XDP program is attached to the switch's end of the veth ({@code ip -d link}). */
  public boolean switchSideHasXdp() {
    return Commands.output("ip", "-d", "link", "show", "dev", switchSide).contains("prog/xdp");
  }

  public String address() {
    return address;
  }

  /** Runs a command inside the namespace; returns its exit code. */
  public int exec(String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    full.addAll(List.of(command));
    return exitCode(full);
  }

  /**
   * Starts {@code command} in the namespace in the background (a server); it is killed on close.
   * Its output goes to a temp file, deleted on close (as is the VLAN responder's script).
   */
  public void background(String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    full.addAll(List.of(command));
    try {
      java.nio.file.Path log = java.nio.file.Files.createTempFile("vswitch-bg", ".log");
      logs.add(log);
      servers.add(
          new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile()).start());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private final List<Process> servers = new ArrayList<>();
  private final List<java.nio.file.Path> logs = new ArrayList<>();

  /** Runs a command inside the namespace and returns its standard output (exit code ignored). */
  public String output(String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    full.addAll(List.of(command));
    try {
      Process p = new ProcessBuilder(full).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(120, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** [transmitted, received] of a {@code ping} run's summary line (an assertion error without). */
  public static int[] pingCounts(String output) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(\\d+) packets transmitted, (\\d+) received")
            .matcher(output);
    if (!m.find()) {
      throw new AssertionError("no ping summary in:\n" + output);
    }
    return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
  }

  /** True when {@code count} pings to {@code target} all come back. */
  public boolean ping(String target, int count) {
    return exec("ping", "-c", "" + count, "-i", "0.2", "-W", "1", "-q", target) == 0;
  }

  @Override
  public void close() {
    if (vlanHost != null) {
      vlanHost.destroyForcibly();
      try {
        vlanHost.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (Process server : servers) {
      server.descendants().forEach(ProcessHandle::destroyForcibly);
      server.destroyForcibly();
      try {
        server.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (java.nio.file.Path log : logs) {
      try {
        java.nio.file.Files.deleteIfExists(log);
      } catch (IOException e) {
        // a temp file left behind is not worth failing a test for
      }
    }
    if (ownsNamespace) {
      exitCode(List.of("ip", "netns", "del", namespace)); // takes the veth pair with it
    }
    exitCode(List.of("ip", "link", "del", switchSide));
  }

  /** Whether this machine lets us make namespaces (root with iproute2). */
  public static boolean available() {
    return "root".equals(System.getProperty("user.name"))
        && exitCode(List.of("ip", "netns", "list")) == 0;
  }

  static void run(String... command) {
    int code = exitCode(List.of(command));
    if (code != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed with exit " + code);
    }
  }

  static int exitCode(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return -1;
      }
      if (p.exitValue() != 0 && System.getenv("VSWITCH_TEST_VERBOSE") != null) {
        System.err.println(
            String.join(" ", command) + ": " + new String(out, StandardCharsets.UTF_8));
      }
      return p.exitValue();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
