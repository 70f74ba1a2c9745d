package io.vswitch.control.config;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps TSO/GSO super-frames away from an {@code afpacket} port on a veth, without touching the
 * host on the other end.
 *
 * <p>A host behind a veth with default offloads hands its TCP to the veth as 64 KB GSO frames; they
 * cross to our end whole, and AF_PACKET delivers them cut to its 2 KB ring frame: the switch sees
 * an IPv4 length past the frame and drops it, and iperf3 gets 0 Mbit/s. (AF_XDP does not see them:
 * attaching its XDP program makes the kernel take TSO off the peer, veth_xdp_set.) The other end
 * may sit in a container's namespace that has no name to enter, and switching its offloads off with
 * ethtool would outlive a killed switch. So this does what AF_XDP does: it attaches an XDP_PASS
 * program (two instructions, native mode) to our end through a BPF link. The kernel then segments
 * on the peer before the veth (tx checksum offload stays on: {@code
 * io.vswitch.dataplane.port.PartialChecksums} completes those), every frame still reaches the
 * packet socket, and the link, with the peer's TSO, goes away when the port closes or the process
 * dies, kill -9 included. Cost: frames take veth's NAPI path with one XDP_PASS each (measured in
 * the README's laptop section).
 *
 * <p>Only where it is needed: {@code net_af_packet} ports on an interface that is virtual and has a
 * peer (veth). Where it cannot attach (no native XDP, no CAP_BPF), it says so once and the port
 * opens as before. Where another program is there already (EBUSY) the port waits for it to go:
 * during a vMotion the destination's port is added while the source's switch still holds the VM's
 * veth, and once the source lets go the peer gets TSO back, so without the program the destination
 * would lose the VM's TCP for good. {@link #retryWaiting}, a duty of the control agent, attaches as
 * soon as the veth is free.
 */
public final class VethSegmentation {
  private static final long SYS_BPF = 321; // x86_64
  private static final int BPF_PROG_LOAD = 5;
  private static final int BPF_LINK_CREATE = 28;
  private static final int BPF_PROG_TYPE_XDP = 6;
  private static final int BPF_XDP = 37;
  private static final int XDP_FLAGS_DRV_MODE = 4;
  private static final int ATTR_SIZE = 128; // union bpf_attr as far as we use it, zero beyond

  /** BPF_ALU64|BPF_MOV|BPF_K r0 = 2 (XDP_PASS); BPF_JMP|BPF_EXIT. */
  private static final long[] XDP_PASS = {0x0000_0002_0000_00b7L, 0x0000_0000_0000_0095L};

  private static final int EBUSY = 16;

  /** Link fds by port name: closing one detaches the program. */
  private static final Map<String, Integer> LINKS = new ConcurrentHashMap<>();

  /** Ports whose veth held another XDP program when they opened: by port name, the interface. */
  private static final Map<String, String> WAITING = new ConcurrentHashMap<>();

  /** The kernel refused the link; {@code errno} says why (EBUSY: a program is there already). */
  private static final class AttachRefused extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    final int errno;

    AttachRefused(String message, int errno) {
      super(message);
      this.errno = errno;
    }
  }

  private VethSegmentation() {}

  /** Whether a port with these devargs needs the program: a packet socket on a veth. */
  static boolean needed(String devargs) {
    if (!HostChecks.driver(devargs).startsWith("net_af_packet")) {
      return false;
    }
    String iface = HostChecks.arguments(devargs).get("iface");
    return iface != null && isVeth(iface);
  }

  /** Virtual (no device behind it) and linked to another interface: a veth's end. */
  static boolean isVeth(String iface) {
    Path dir = Path.of("/sys/class/net", iface);
    try {
      return !Files.exists(dir.resolve("device"))
          && !Files.readString(dir.resolve("iflink"))
              .strip()
              .equals(Files.readString(dir.resolve("ifindex")).strip());
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Before port {@code portName} opens: attaches the program if its devargs need it (once per
   * port). Never fails the port; says what it did or why it could not.
   */
  public static void prepare(String portName, String devargs) {
    if (LINKS.containsKey(portName) || WAITING.containsKey(portName) || !needed(devargs)) {
      return;
    }
    String iface = HostChecks.arguments(devargs).get("iface");
    try {
      LINKS.put(portName, attach(iface));
      System.err.println(
          "vswitch: notice: port '"
              + portName
              + "': XDP_PASS attached to veth "
              + iface
              + " so that its peer segments TCP before the veth (AF_PACKET cannot take GSO"
              + " frames); removed when the port closes");
    } catch (RuntimeException e) {
      if (!busy(e)) {
        warnLost(portName, iface, e.getMessage() + ";");
        return;
      }
      WAITING.put(portName, iface);
      warnLost(
          portName,
          iface,
          "veth "
              + iface
              + " has another XDP program (another switch that still holds this VM's port?), and"
              + " vswitch attaches its own as soon as that one goes; until then");
    }
  }

  /** Whether the kernel refused the link because another XDP program holds the interface. */
  private static boolean busy(RuntimeException e) {
    return e instanceof AttachRefused refused && refused.errno == EBUSY;
  }

  private static void warnLost(String portName, String iface, String why) {
    System.err.println(
        "vswitch: warning: port '"
            + portName
            + "': "
            + why
            + " TCP from the host behind "
            + iface
            + " will be lost unless it runs 'ethtool -K <its interface> tso off', or use type:"
            + " afxdp");
  }

  /**
   * Attaches the program for every port that waits for another one to leave its veth; a duty of the
   * control agent (the same thread that opens and closes ports). Quiet while the veth is busy.
   */
  public static void retryWaiting() {
    for (Map.Entry<String, String> waiting : WAITING.entrySet()) {
      String portName = waiting.getKey();
      String iface = waiting.getValue();
      try {
        LINKS.put(portName, attach(iface));
        WAITING.remove(portName);
        System.err.println(
            "vswitch: notice: port '"
                + portName
                + "': XDP_PASS attached to veth "
                + iface
                + " now that the other program has gone; its peer segments TCP again");
      } catch (RuntimeException e) {
        if (!busy(e)) { // the interface or BPF went away: nothing left to wait for
          WAITING.remove(portName);
          warnLost(portName, iface, e.getMessage() + ";");
        }
      }
    }
  }

  /** After port {@code portName} closed: detaches its program, if it has one. */
  public static void release(String portName) {
    WAITING.remove(portName);
    Integer link = LINKS.remove(portName);
    if (link != null) {
      Libc.close(link);
    }
  }

  /** Whether port {@code portName} holds a program now (for tests). */
  static boolean attached(String portName) {
    return LINKS.containsKey(portName);
  }

  /** Whether port {@code portName} waits for another program to leave its veth (for tests). */
  static boolean waiting(String portName) {
    return WAITING.containsKey(portName);
  }

  /** Attaches the program to {@code iface}: the link's fd. */
  private static int attach(String iface) {
    Integer ifindex = HostChecks.ifindex(iface);
    if (ifindex == null) {
      throw new IllegalStateException("interface " + iface + " has no ifindex");
    }
    return attach(ifindex);
  }

  private static int attach(int ifindex) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment insns = arena.allocateFrom(ValueLayout.JAVA_LONG, XDP_PASS);
      MemorySegment license = arena.allocateFrom("GPL");
      MemorySegment load = arena.allocate(ATTR_SIZE, 8);
      load.set(ValueLayout.JAVA_INT, 0, BPF_PROG_TYPE_XDP);
      load.set(ValueLayout.JAVA_INT, 4, XDP_PASS.length);
      load.set(ValueLayout.JAVA_LONG, 8, insns.address());
      load.set(ValueLayout.JAVA_LONG, 16, license.address());
      load.set(ValueLayout.JAVA_INT, 68, BPF_XDP); // expected_attach_type
      MemorySegment errno = arena.allocate(Libc.ERRNO_STATE);
      int prog = (int) bpf(errno, BPF_PROG_LOAD, load);
      if (prog < 0) {
        throw new IllegalStateException("cannot load an XDP program: " + Libc.strerror(errno));
      }
      try {
        MemorySegment create = arena.allocate(ATTR_SIZE, 8);
        create.set(ValueLayout.JAVA_INT, 0, prog);
        create.set(ValueLayout.JAVA_INT, 4, ifindex);
        create.set(ValueLayout.JAVA_INT, 8, BPF_XDP);
        create.set(ValueLayout.JAVA_INT, 12, XDP_FLAGS_DRV_MODE);
        int link = (int) bpf(errno, BPF_LINK_CREATE, create);
        if (link < 0) {
          throw new AttachRefused("cannot attach XDP: " + Libc.strerror(errno), Libc.errno(errno));
        }
        return link; // holds the program; its fd was only needed to attach
      } finally {
        Libc.close(prog);
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  private static long bpf(MemorySegment errno, int command, MemorySegment attr) throws Throwable {
    return (long) SYSCALL.invokeExact(errno, SYS_BPF, command, attr, ATTR_SIZE);
  }

  private static final MethodHandle SYSCALL =
      Libc.withErrno(
          "syscall",
          FunctionDescriptor.of(
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_INT,
              ValueLayout.ADDRESS,
              ValueLayout.JAVA_INT),
          Linker.Option.firstVariadicArg(1));
}
