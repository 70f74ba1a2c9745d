package io.vswitch.control.testing;

import io.vswitch.dataplane.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real QEMU guest on a vhost-user socket, started by scripts/run-vm.sh with the test guest of
 * scripts/guest-image.sh: it configures eth0 and pings a peer once a second, one console line per
 * try ("vsw-guest: ping N ok|fail"), so a test reads what the guest saw from its console file.
 */
public final class QemuGuest implements AutoCloseable {
  private static final Path SCRIPTS = Path.of("..", "scripts");
  private final Process process;
  private final Path console;
  private final Path log;

  private QemuGuest(Process process, Path console, Path log) {
    this.process = process;
    this.console = console;
    this.log = log;
  }

  /** QEMU is here (scripts/install-deps.sh installs it); the guest image is built on demand. */
  public static boolean available() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, "qemu-system-x86_64"))) {
        return true;
      }
    }
    return false;
  }

  /** Builds (or finds cached) the guest kernel and initramfs; returns the script's output. */
  public static String buildImage() {
    try {
      Process p =
          new ProcessBuilder("bash", SCRIPTS.resolve("guest-image.sh").toString())
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError("scripts/guest-image.sh failed:\n" + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Boots a guest at {@code cidr} on {@code socket} that pings {@code target}; does not wait. */
  public static QemuGuest start(Path dir, String name, Path socket, String cidr, String target) {
    return start(dir, name, socket, cidr, target, "", List.of());
  }

  /**
   * As {@link #start(Path, String, Path, String, String)}, with its monitor on a unix socket (for
   * {@link #monitor}) and, when {@code incoming} is not null, as the destination of a live
   * migration listening on that URI ({@code tcp:127.0.0.1:PORT}): the same guest, not booted, run
   * once a source migrated to it.
   */
  public static QemuGuest startWithMonitor(
      Path dir, String name, Path socket, String cidr, String target, String incoming) {
    return startWithMonitor(dir, name, socket, cidr, target, incoming, "");
  }

  /**
   * As {@link #startWithMonitor(Path, String, Path, String, String, String)}, with {@code append}
   * added to the guest's command line (scripts/guest-image.sh: {@code vsw.stream=IP:PORT}).
   */
  public static QemuGuest startWithMonitor(
      Path dir,
      String name,
      Path socket,
      String cidr,
      String target,
      String incoming,
      String append) {
    List<String> extra = new java.util.ArrayList<>();
    extra.add("--monitor");
    extra.add(dir.resolve(name + ".mon").toString());
    if (incoming != null) {
      extra.add("--incoming");
      extra.add(incoming);
    }
    QemuGuest guest = start(dir, name, socket, cidr, target, append, extra);
    guest.monitor = dir.resolve(name + ".mon");
    return guest;
  }

  private Path monitor;

  private static QemuGuest start(
      Path dir,
      String name,
      Path socket,
      String cidr,
      String target,
      String append,
      List<String> extra) {
    Path console = dir.resolve(name + "-console.log");
    Path log = dir.resolve(name + "-qemu.log");
    try {
      Files.deleteIfExists(console);
      List<String> command = new java.util.ArrayList<>();
      command.addAll(
          List.of(
              "bash",
              SCRIPTS.resolve("run-vm.sh").toString(),
              "--socket",
              socket.toString(),
              "--test-guest",
              "--append",
              ("vsw.ip=" + cidr + " vsw.ping=" + target + " " + append).strip(),
              "--memory",
              "512",
              "--cpus",
              "1",
              "--mac",
              "52:54:00:76:6d:01",
              "--console",
              console.toString()));
      command.addAll(extra);
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      return new QemuGuest(process, console, log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Runs one HMP command on the guest's monitor ({@link #startWithMonitor}) and returns what QEMU
   * printed for it, waiting for the monitor up to 30 s.
   */
  public String monitor(String command) {
    java.net.UnixDomainSocketAddress address = java.net.UnixDomainSocketAddress.of(monitor);
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      try (java.nio.channels.SocketChannel channel =
          java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
        channel.connect(address);
        readUntilPrompt(channel); // the banner
        channel.write(
            java.nio.ByteBuffer.wrap(
                (command + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return readUntilPrompt(channel);
      } catch (IOException e) {
        if (System.nanoTime() > deadline || !process.isAlive()) {
          throw new AssertionError("QEMU monitor " + monitor + ": " + e + "\n" + qemuLog(), e);
        }
        sleepQuietly(200);
      }
    }
  }

  private static String readUntilPrompt(java.nio.channels.SocketChannel channel)
      throws IOException {
    StringBuilder text = new StringBuilder();
    java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(4096);
    while (text.indexOf("(qemu) ") < 0) {
      buffer.clear();
      if (channel.read(buffer) < 0) {
        throw new IOException("monitor closed after: " + text);
      }
      text.append(new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8));
    }
    return text.substring(0, text.indexOf("(qemu) "));
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * Live-migrates this guest to {@code destination} (started with {@code incoming} = {@code uri})
   * and waits until QEMU says the migration completed; returns the last {@code info migrate}.
   */
  public String migrateTo(QemuGuest destination, String uri, Duration timeout) {
    monitor("migrate_set_parameter max-bandwidth 1G");
    monitor("migrate -d " + uri);
    String[] info = {""};
    Await.until(
        () -> "the migration to " + uri + " to complete:\n" + info[0] + destination.qemuLog(),
        timeout,
        () -> {
          info[0] = monitor("info migrate");
          if (info[0].contains("Migration status: failed")) {
            throw new AssertionError("migration failed:\n" + info[0] + "\n" + qemuLog());
          }
          return info[0].contains("Migration status: completed");
        });
    return info[0];
  }

  public String console() {
    return read(console);
  }

  /** The file as text so far; empty before QEMU creates it. */
  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  /** How many console lines there are now: a mark to wait for later lines after. */
  public long mark() {
    return console().lines().count();
  }

  /** Waits for a console line after {@code mark} that contains {@code text}. */
  public void awaitLine(long mark, String text, Duration timeout) {
    Await.until(
        "guest console line '" + text + "' (QEMU alive: " + process.isAlive() + ")",
        timeout,
        () -> {
          if (!process.isAlive()) {
            throw new AssertionError("QEMU exited:\n" + qemuLog() + "\nconsole:\n" + console());
          }
          return console().lines().skip(mark).anyMatch(l -> l.contains(text));
        });
  }

  /** Waits for {@code count} pings in a row that came back, after {@code mark}. */
  public void awaitPingsOk(long mark, int count, Duration timeout) {
    Await.until(
        count + " guest pings in a row that come back; console:\n" + tail(),
        timeout,
        () -> {
          List<String> pings =
              console().lines().skip(mark).filter(l -> l.startsWith("vsw-guest: ping")).toList();
          int n = pings.size();
          return n >= count && pings.subList(n - count, n).stream().allMatch(l -> l.endsWith("ok"));
        });
  }

  public String qemuLog() {
    return read(log);
  }

  private String tail() {
    List<String> lines = console().lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL, as a crashed or powered-off VM; its memfd goes with the process. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    kill();
  }
}
