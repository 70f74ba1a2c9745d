package io.vswitch.control.config;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Says before DPDK does, and why, when an {@code afpacket} port would be refused for its
 * PACKET_FANOUT group.
 *
 * <p>DPDK 22.11's net_af_packet puts its sockets in the fanout group {@code (getpid() ^ ifindex) &
 * 0xffff} and has no argument to choose another. Groups are per network namespace and bound to one
 * interface, so when another process holds that number on another interface (two switches on one
 * host, whose pids and ifindexes are both small and close) the kernel answers EINVAL and DPDK
 * reports "Operation not permitted". Nothing in this process can pick another number: the pid and
 * the interface's index are what they are. So this probes the group with the same type and flags
 * and, if it is taken, refuses the port in one line that says what to do.
 *
 * <p>The probe joins the group for a moment when it is free or held on the same interface; it runs
 * only before the port opens, when no socket of ours is in that group to lose frames to it.
 */
public final class FanoutGroups {
  private static final int AF_PACKET = 17;
  private static final int SOCK_RAW = 3;
  private static final short ETH_P_ALL_NETWORK_ORDER = 0x0300; // htons(ETH_P_ALL)
  private static final int SOL_PACKET = 263;
  private static final int PACKET_FANOUT = 18;
  private static final int EINVAL = 22;
  private static final int SOCKADDR_LL_BYTES = 20;

  /** PACKET_FANOUT_HASH with FLAG_DEFRAG and FLAG_ROLLOVER, as rte_eth_af_packet.c asks. */
  private static final int DPDK_FANOUT_MODE = (0x8000 | 0x1000) << 16;

  private FanoutGroups() {}

  /**
   * Before port {@code portName} opens: throws a {@link ConfigException} if its af_packet sockets
   * could not join their fanout group. Says nothing when it cannot tell: DPDK then tries.
   */
  public static void requireFree(String portName, String devargs) {
    if (!HostChecks.driver(devargs).startsWith("net_af_packet")) {
      return;
    }
    String iface = HostChecks.arguments(devargs).get("iface");
    Integer ifindex = iface == null ? null : HostChecks.ifindex(iface);
    if (ifindex == null) {
      return; // HostChecks has said that the interface is missing
    }
    long pid = ProcessHandle.current().pid();
    int group = dpdkGroup(pid, ifindex);
    if (joinAndLeave(ifindex, group) == EINVAL) {
      throw new ConfigException(
          "port '"
              + portName
              + "': DPDK's af_packet driver would put it in PACKET_FANOUT group "
              + group
              + " (pid "
              + pid
              + " xor ifindex "
              + ifindex
              + " of "
              + iface
              + "), and another process holds that group on another interface, so the kernel"
              + " refuses it: restart vswitch (another pid picks another group), or use type:"
              + " afxdp for this port");
    }
  }

  /** The group DPDK 22.11 names for a port of process {@code pid} on interface {@code ifindex}. */
  static int dpdkGroup(long pid, int ifindex) {
    return (int) ((pid ^ ifindex) & 0xffff);
  }

  /**
   * The group DPDK 22.11 would name for an af_packet port of process {@code pid} on interface
   * {@code iface}, or null when the interface is not there.
   */
  public static Integer dpdkGroup(long pid, String iface) {
    Integer ifindex = HostChecks.ifindex(iface);
    return ifindex == null ? null : dpdkGroup(pid, ifindex);
  }

  /** 0 when a socket on {@code ifindex} may join {@code group} as DPDK's would, else the errno. */
  static int joinAndLeave(int ifindex, int group) {
    try {
      int fd = hold(ifindex, group);
      if (fd < 0) {
        return -fd;
      }
      Libc.close(fd);
      return 0;
    } catch (Throwable t) {
      return 0; // cannot tell: let DPDK try and say
    }
  }

  /**
   * Opens a packet socket on {@code ifindex} in {@code group}, as DPDK's, and keeps it: the fd, or
   * minus the errno. Tests hold a group on another interface with it.
   */
  static int hold(int ifindex, int group) throws Throwable {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment errno = arena.allocate(Libc.ERRNO_STATE);
      int fd = (int) SOCKET.invokeExact(errno, AF_PACKET, SOCK_RAW, (int) ETH_P_ALL_NETWORK_ORDER);
      if (fd < 0) {
        return -Libc.errno(errno);
      }
      // struct sockaddr_ll: family, protocol, ifindex; a fanout member must be bound (running).
      MemorySegment address = arena.allocate(SOCKADDR_LL_BYTES, 4);
      address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_PACKET);
      address.set(ValueLayout.JAVA_SHORT, 2, ETH_P_ALL_NETWORK_ORDER);
      address.set(ValueLayout.JAVA_INT, 4, ifindex);
      MemorySegment argument = arena.allocateFrom(ValueLayout.JAVA_INT, group | DPDK_FANOUT_MODE);
      if ((int) BIND.invokeExact(errno, fd, address, SOCKADDR_LL_BYTES) < 0
          || (int) SETSOCKOPT.invokeExact(errno, fd, SOL_PACKET, PACKET_FANOUT, argument, 4) < 0) {
        int code = Libc.errno(errno);
        Libc.close(fd);
        return -code;
      }
      return fd;
    }
  }

  private static final MethodHandle SOCKET = Libc.withErrno("socket", Libc.SOCKET);
  private static final MethodHandle BIND =
      Libc.withErrno(
          "bind",
          FunctionDescriptor.of(
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT,
              ValueLayout.ADDRESS,
              ValueLayout.JAVA_INT));
  private static final MethodHandle SETSOCKOPT =
      Libc.withErrno(
          "setsockopt",
          FunctionDescriptor.of(
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT,
              ValueLayout.ADDRESS,
              ValueLayout.JAVA_INT));
}
