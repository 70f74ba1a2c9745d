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
 * peer (veth). Where it cannot attach (no native XDP, another program already there, no CAP_BPF),
 * it says so once and the port opens as before.
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

  /** Link fds by port name: closing one detaches the program. */
  private static final Map<String, Integer> LINKS = new ConcurrentHashMap<>();

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
    if (LINKS.containsKey(portName) || !needed(devargs)) {
      return;
    }
    String iface = HostChecks.arguments(devargs).get("iface");
    try {
      Integer ifindex = HostChecks.ifindex(iface);
      if (ifindex == null) {
        throw new IllegalStateException("interface " + iface + " has no ifindex");
      }
      int link = attach(ifindex);
      LINKS.put(portName, link);
      System.err.println(
          "vswitch: notice: port '"
              + portName
              + "': XDP_PASS attached to veth "
              + iface
              + " so that its peer segments TCP before the veth (AF_PACKET cannot take GSO"
              + " frames); removed when the port closes");
    } catch (RuntimeException e) {
      System.err.println(
          "vswitch: warning: port '"
              + portName
              + "': "
              + e.getMessage()
              + "; TCP from the host behind "
              + iface
              + " will be lost unless it runs 'ethtool -K <its interface> tso off', or use type:"
              + " afxdp");
    }
  }

  /** After port {@code portName} closed: detaches its program, if it has one. */
  public static void release(String portName) {
    Integer link = LINKS.remove(portName);
    if (link != null) {
      Libc.close(link);
    }
  }

  /** Whether port {@code portName} holds a program now (for tests). */
  static boolean attached(String portName) {
    return LINKS.containsKey(portName);
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
          throw new IllegalStateException("cannot attach XDP: " + Libc.strerror(errno));
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
