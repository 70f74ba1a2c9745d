package io.vswitch.control.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What a change through the API may reach on the host, as OVS's vhost-sock-dir: vhost-user and
 * virtio-user sockets only under {@code socketDirs}, capture files ({@code rx-file}, {@code
 * tx-file}) only under {@code captureDirs}, and raw devargs (which bypass every typed check: any
 * file, any PMD) only when the daemon was started with {@code --allow-raw-devargs}.
 *
 * <p>The startup config file is root's and is not confined; a change through the API is, for each
 * port it adds or whose device it alters (a port whose device stays keeps what root gave it). A
 * path is refused when it is relative, has a {@code ..} component, is a symbolic link, or its
 * parent's real path (symlinks resolved) is outside every allowed directory.
 */
public record Confinement(
    boolean enforced, List<Path> socketDirs, List<Path> captureDirs, boolean allowRawDevargs) {
  /** Nothing confined: for a switch without an API (tests, the one-shot run). */
  public static final Confinement NONE = new Confinement(false, List.of(), List.of(), true);

  public Confinement {
    socketDirs = List.copyOf(socketDirs);
    captureDirs = List.copyOf(captureDirs);
  }

  public static Confinement of(
      List<Path> socketDirs, List<Path> captureDirs, boolean allowRawDevargs) {
    return new Confinement(true, socketDirs, captureDirs, allowRawDevargs);
  }

  /**
   * Refuses {@code desired} when a port it adds or whose device it changes reaches outside the
   * confines.
   */
  public void checkChange(SwitchConfig running, SwitchConfig desired) {
    if (!enforced) {
      return;
    }
    Map<String, SwitchConfig.Port> before =
        running.ports().stream()
            .collect(Collectors.toMap(SwitchConfig.Port::name, Function.identity(), (a, b) -> a));
    for (SwitchConfig.Port port : desired.ports()) {
      SwitchConfig.Port old = before.get(port.name());
      // what the port reaches is its device: a group move or a new ACL keeps what root gave it
      if (old == null || !PortTypes.devargs(old).equals(PortTypes.devargs(port))) {
        checkPort(port);
      }
    }
  }

  void checkPort(SwitchConfig.Port port) {
    String where = "port " + Names.quote(port.name());
    if (port.type() == null) {
      if (!allowRawDevargs) {
        throw new ConfigException(
            where
                + ": raw devargs are refused through the API (the daemon was not started with"
                + " --allow-raw-devargs); use a typed port (type: ...)");
      }
      return;
    }
    switch (port.type()) {
      case "vhost-user", "virtio-user" ->
          requireInside(port.socket(), socketDirs, where + ": socket", "--socket-dir");
      case "pcap-file" -> {
        requireInside(port.rxFile(), captureDirs, where + ": rx-file", "--capture-dir");
        requireInside(port.txFile(), captureDirs, where + ": tx-file", "--capture-dir");
      }
      default -> {} // a kernel interface or a PCI device: no path
    }
  }

  private static void requireInside(String file, List<Path> dirs, String what, String option) {
    if (file == null) {
      return;
    }
    Path path = Path.of(file);
    String outside =
        what
            + " "
            + Names.quote(file)
            + " is outside the allowed directories "
            + dirs
            + " (the daemon's "
            + option
            + ")";
    if (!path.isAbsolute()) {
      throw new ConfigException(what + " " + Names.quote(file) + " must be an absolute path");
    }
    for (Path part : path) {
      if (part.toString().equals("..")) {
        throw new ConfigException(what + " " + Names.quote(file) + ": '..' is not allowed");
      }
    }
    if (Files.isSymbolicLink(path)) {
      throw new ConfigException(what + " " + Names.quote(file) + " is a symbolic link");
    }
    Path parent;
    try {
      parent = path.getParent().toRealPath();
    } catch (IOException e) {
      throw new ConfigException(outside + "; its directory does not exist");
    }
    for (Path dir : dirs) {
      Path real = realOrNull(dir);
      if (real != null && parent.startsWith(real)) {
        return;
      }
    }
    throw new ConfigException(outside);
  }

  private static Path realOrNull(Path dir) {
    try {
      return dir.toRealPath();
    } catch (IOException e) {
      return null;
    }
  }

  /** The directories as given, for the startup line. */
  public String describe() {
    List<String> parts = new ArrayList<>();
    parts.add("sockets in " + socketDirs);
    parts.add("captures in " + captureDirs);
    parts.add(allowRawDevargs ? "raw devargs allowed" : "raw devargs refused");
    return String.join(", ", parts);
  }
}
