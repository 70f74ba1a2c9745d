package io.vswitch.control.testing;

import io.vswitch.dataplane.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real etcd (Debian's etcd-server, /usr/bin/etcd) for one test: on a free pair of loopback ports
 * in 23790-23799 with a temp data dir; {@link #kill()} is kill -9, {@link #restart()} brings it
 * back on the same ports and data, {@link #close()} kills it and removes the dir.
 */
public final class EtcdServer implements AutoCloseable {
  private static final Path BINARY = Path.of("/usr/bin/etcd");

  private final Path dataDir;
  private final Path log;
  private final int clientPort;
  private final int peerPort;
  private Process process;

  private EtcdServer(Path dataDir, Path log, int clientPort, int peerPort) {
    this.dataDir = dataDir;
    this.log = log;
    this.clientPort = clientPort;
    this.peerPort = peerPort;
  }

  /** Whether the test can run one: the binary is there (scripts/install-deps.sh installs it). */
  public static boolean available() {
    return Files.isExecutable(binary());
  }

  private static Path binary() {
    if (Files.isExecutable(BINARY)) {
      return BINARY;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path p = Path.of(dir, "etcd");
      if (!dir.isEmpty() && Files.isExecutable(p)) {
        return p;
      }
    }
    return BINARY;
  }

  public static EtcdServer start() {
    return start(23790, 23799);
  }

  /** As {@link #start()}, on a free pair of ports in [{@code first}, {@code last}]. */
  public static EtcdServer start(int first, int last) {
    for (int port = first; port < last; port += 2) {
      if (free(port) && free(port + 1)) {
        try {
          Path dir = Files.createTempDirectory("etc-etcd-");
          EtcdServer server =
              new EtcdServer(dir.resolve("data"), dir.resolve("etcd.log"), port, port + 1);
          server.launch();
          return server;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    throw new AssertionError("no free port pair in " + first + "-" + last + " for etcd");
  }

  public String endpoint() {
    return "http://127.0.0.1:" + clientPort;
  }

  private void launch() {
    List<String> command =
        List.of(
            binary().toString(),
            "--name",
            "etc-test",
            "--data-dir",
            dataDir.toString(),
            "--listen-client-urls",
            endpoint(),
            "--advertise-client-urls",
            endpoint(),
            "--listen-peer-urls",
            "http://127.0.0.1:" + peerPort,
            "--initial-advertise-peer-urls",
            "http://127.0.0.1:" + peerPort,
            "--initial-cluster",
            "etc-test=http://127.0.0.1:" + peerPort,
            "--logger",
            "zap",
            "--log-level",
            "warn");
    try {
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Await.until(
        "etcd to serve on " + endpoint() + "; log:\n" + log(),
        Duration.ofSeconds(30),
        this::healthy);
  }

  private boolean healthy() {
    if (!process.isAlive()) {
      throw new AssertionError("etcd exited: " + log());
    }
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(endpoint() + "/health"))
                      .timeout(Duration.ofSeconds(1))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && r.body().contains("true");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** kill -9: no goodbye to its clients. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Starts it again on the same ports and data dir (after {@link #kill()}). */
  public void restart() {
    launch();
  }

  public String log() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() {
    if (process != null) {
      kill();
    }
    try (Stream<Path> files = Files.walk(log.getParent())) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temp dir
    }
  }
}
