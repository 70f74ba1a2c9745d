package io.vswitch.control;

import io.vswitch.control.api.ApiServer;
import io.vswitch.control.api.ApiToken;
import io.vswitch.control.api.MetricsServer;
import io.vswitch.control.api.PrometheusMetrics;
import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.ConfigLoader;
import io.vswitch.control.config.ConfigValidator;
import io.vswitch.control.config.Confinement;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.control.config.VethSegmentation;
import io.vswitch.control.distributed.ConnectionMobility;
import io.vswitch.control.distributed.DistributedSwitch;
import io.vswitch.control.distributed.PortMobility;
import io.vswitch.control.ipfix.IpfixExporter;
import io.vswitch.control.ipfix.IpfixWriter;
import io.vswitch.control.plane.ChangeRecord;
import io.vswitch.control.plane.ConfigJson;
import io.vswitch.control.plane.ControlAgent;
import io.vswitch.control.plane.ControlPlane;
import io.vswitch.control.plane.Journal;
import io.vswitch.control.plane.JournalException;
import io.vswitch.dataplane.SwitchRuntime;
import io.vswitch.ffm.DpdkException;
import io.vswitch.ffm.Eal;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code vswitch} launcher: starts EAL, opens the configured ports, forwards until SIGINT or
 * SIGTERM (or --duration), then prints per-port counters and checks every mbuf came home.
 *
 * <p>Exit codes: 0 clean, 1 a runtime failure (DPDK refused something, a worker died), 2 a bad
 * config or command line, 3 mbufs leaked. Every error is one line starting "vswitch: error:".
 */
@Command(
    name = "vswitch",
    mixinStandardHelpOptions = true,
    version = "vswitch 0.1.0",
    description = "Kernel-bypass virtual switch: Java data plane over DPDK.")
public final class VswitchMain implements java.util.concurrent.Callable<Integer> {
  static final int EXIT_OK = 0;
  static final int EXIT_RUNTIME = 1;
  static final int EXIT_CONFIG = 2;
  static final int EXIT_LEAK = 3;

  @Option(
      names = {"-c", "--config"},
      description =
          "Switch configuration, YAML or JSON. With --state-dir, used only when the journal is"
              + " empty (first start); afterwards the journal's last config wins.")
  Path config;

  @Option(
      names = "--state-dir",
      description =
          "Daemon mode: keep the journal of changes and the API token here, and serve the API.")
  Path stateDir;

  @Option(
      names = "--reset-journal",
      description =
          "When the journal cannot be restored (damaged, truncated, missing), move its files aside"
              + " (*.damaged-<time>, never deleted) and start from --config instead of refusing.")
  boolean resetJournal;

  @Option(
      names = "--api",
      description =
          "Also serve the API on TCP at host:port ('off': no API at all). With --state-dir the"
              + " API is always on the unix socket STATE-DIR/api.sock (mode 0600).")
  String api;

  @Option(
      names = "--metrics",
      description =
          "Serve GET /metrics (Prometheus) without the token on [host:]port, for a Prometheus"
              + " server to scrape; host defaults to 127.0.0.1. Read-only, nothing else is"
              + " served there. Off by default.")
  String metricsAddress;

  @Option(
      names = "--socket-dir",
      description =
          "Where API changes may put vhost-user/virtio-user sockets (repeatable; default"
              + " /run/vswitch and <state-dir>/sockets, created).")
  List<Path> socketDirs;

  @Option(
      names = "--capture-dir",
      description =
          "Where API changes may read and write capture files (repeatable; default"
              + " <state-dir>/captures, created).")
  List<Path> captureDirs;

  @Option(
      names = "--allow-raw-devargs",
      description =
          "Let API changes add ports by raw DPDK devargs (any PMD, any file: as root). Off by"
              + " default; the startup config file may always use them.")
  boolean allowRawDevargs;

  @Option(
      names = "--etcd",
      split = ",",
      description =
          "Join a distributed switch: its shared config (port groups, ACLs) is kept in etcd at"
              + " these endpoints (http://host:port, comma-separated); needs --state-dir and"
              + " --switch.")
  List<String> etcdEndpoints;

  @Option(
      names = "--switch",
      description = "The distributed switch's name: its keys are /vswitch/NAME/ in etcd.")
  String switchName;

  @Option(
      names = "--host",
      description =
          "This host's name in the distributed switch (default: the machine's host name).")
  String hostName;

  @Option(
      names = "--etcd-lease-ttl",
      description =
          "Seconds this host's record in etcd outlives it (kept alive while it runs; default 10).")
  Integer etcdLeaseTtl;

  private DistributedSwitch.Settings dvsSettings; // null: this switch is on its own
  private RarpAnnouncer rarps; // null: no L2 switch
  private ConnectionMobility ctMoves; // null: not distributed, or no connection tracking

  @Option(
      names = "--duration",
      description = "Stop after this many seconds (default: run until SIGINT/SIGTERM).")
  Long durationSeconds;

  @Option(
      names = "--counters",
      description = "Shared-memory counter file (default: /dev/shm/vswitch-<pid>.counters).")
  Path counterFile;

  private final PrintStream out = System.out;
  private final PrintStream err = System.err;
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile int exitCode = EXIT_OK;

  public static void main(String[] args) {
    VswitchMain main = new VswitchMain();
    int code = new CommandLine(main).execute(args); // picocli: usage errors exit 2
    main.finish(code);
    System.exit(code);
  }

  @Override
  public Integer call() {
    Journal journal = null;
    SwitchConfig cfg;
    try {
      checkAddresses(); // a typo in an address fails before EAL and the ports are set up
      checkDistributed();
      journal = stateDir == null ? null : openJournal();
      cfg = initialConfig(journal);
      dvsSettings = distributed(cfg);
    } catch (ConfigException | JournalException e) {
      if (journal != null) {
        journal.close();
      }
      return fail(EXIT_CONFIG, e.getMessage());
    }
    Path counters =
        counterFile != null
            ? counterFile
            : Path.of("/dev/shm", "vswitch-" + ProcessHandle.current().pid() + ".counters");
    try {
      return run(cfg, counters, journal);
    } catch (ConfigException e) {
      return fail(EXIT_CONFIG, e.getMessage());
    } catch (DpdkException | IllegalStateException e) {
      return fail(EXIT_RUNTIME, e.getMessage());
    } catch (UnsatisfiedLinkError | IllegalArgumentException | ExceptionInInitializerError e) {
      return fail(
          EXIT_RUNTIME,
          "cannot load DPDK ("
              + rootMessage(e)
              + "): install it with scripts/install-deps.sh (Debian: apt-get install dpdk)");
    } finally {
      if (journal != null) {
        journal.close();
      }
    }
  }

  private void checkAddresses() {
    if (api != null && !"off".equals(api)) {
      tcpAddress("--api", api, null);
    }
    if (metricsAddress != null) {
      tcpAddress("--metrics", metricsAddress, "127.0.0.1");
    }
  }

  /**
   * The distributed switch's settings: the config's {@code etcd:} section with the command line's
   * --etcd, --switch, --host and --etcd-lease-ttl over it; null when this switch is on its own.
   */
  private DistributedSwitch.Settings distributed(SwitchConfig cfg) {
    SwitchConfig.Etcd section = cfg.etcd();
    List<String> endpoints =
        etcdEndpoints != null ? etcdEndpoints : section == null ? null : section.endpoints();
    if (endpoints == null) {
      if (switchName != null || hostName != null || etcdLeaseTtl != null) {
        throw new ConfigException(
            "--switch, --host and --etcd-lease-ttl need --etcd ENDPOINTS (or etcd: in the config)");
      }
      return null;
    }
    if (stateDir == null) {
      throw new ConfigException(
          "a distributed switch's host needs --state-dir (its journal keeps the last applied"
              + " shared config)");
    }
    if (cfg.crossConnectMode()) {
      throw new ConfigException("a cross-connect cannot join a distributed switch (etcd)");
    }
    String name = switchName != null ? switchName : section == null ? null : section.switchName();
    if (name == null) {
      throw new ConfigException("etcd needs the switch's name: --switch NAME or etcd.switch");
    }
    String host = hostName != null ? hostName : section == null ? null : section.host();
    if (host == null) {
      try {
        host = java.net.InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9_.-]", "_");
      } catch (java.net.UnknownHostException e) {
        throw new ConfigException("--host not given and the machine has no host name: give --host");
      }
    }
    int ttl =
        etcdLeaseTtl != null
            ? etcdLeaseTtl
            : section != null && section.leaseTtl() != null ? section.leaseTtl() : 10;
    return new DistributedSwitch.Settings(endpoints, name, host, ttl);
  }

  /** The command line's distributed-switch options, checked before anything starts. */
  private void checkDistributed() {
    if (switchName != null) {
      io.vswitch.control.config.Names.check("switch", switchName);
    }
    if (hostName != null) {
      io.vswitch.control.config.Names.check("host", hostName);
    }
    if (etcdLeaseTtl != null && (etcdLeaseTtl < 2 || etcdLeaseTtl > 3600)) {
      throw new ConfigException("--etcd-lease-ttl must be 2..3600 seconds, not " + etcdLeaseTtl);
    }
    if (etcdEndpoints != null) {
      for (String e : etcdEndpoints) {
        java.net.URI uri;
        try {
          uri = new java.net.URI(e);
        } catch (java.net.URISyntaxException x) {
          throw new ConfigException("--etcd: '" + e + "' is not a URL");
        }
        if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
          throw new ConfigException("--etcd: an endpoint is http://host:port, not '" + e + "'");
        }
      }
    }
  }

  private Journal openJournal() {
    try {
      Files.createDirectories(stateDir);
    } catch (IOException e) {
      throw new ConfigException("cannot create state directory " + stateDir + ": " + e);
    }
    try {
      Journal journal = new Journal(stateDir);
      journal.recoveryWarning().ifPresent(w -> err.println("vswitch: warning: " + w));
      if (resetJournal) {
        err.println("vswitch: --reset-journal not needed: the journal is intact, restoring it");
      }
      return journal;
    } catch (JournalException e) {
      if (!e.lostChanges()) {
        throw e; // in use, unreadable: not something to start over from
      }
      if (!resetJournal) {
        throw new ConfigException(
            e.getMessage()
                + "; to start from --config instead, setting the journal's files aside, run with"
                + " --reset-journal");
      }
      if (config == null) {
        throw new ConfigException(e.getMessage() + "; --reset-journal needs --config FILE");
      }
      var moved = Journal.setAside(stateDir);
      err.println(
          "vswitch: warning: "
              + e.getMessage()
              + "; --reset-journal: moved "
              + moved
              + " aside, starting from "
              + config);
      return new Journal(stateDir);
    }
  }

  /**
   * The journal's last config if there is one (a restart comes back as it was), else the config
   * file, which then becomes the journal's first record.
   */
  private SwitchConfig initialConfig(Journal journal) {
    var latest = journal == null ? java.util.Optional.<ChangeRecord>empty() : journal.latest();
    if (latest.isPresent()) {
      err.printf(
          "vswitch: restoring change #%d from the journal (%s)%n",
          latest.get().sequence(), latest.get().description());
      String change = "journal change #" + latest.get().sequence();
      SwitchConfig restored = ConfigJson.read(latest.get().config(), change);
      try {
        return ConfigValidator.validate(restored);
      } catch (ConfigException e) {
        throw new ConfigException(change + ": " + e.getMessage());
      }
    }
    if (config == null) {
      throw new ConfigException("no config: give --config FILE (the journal is empty or absent)");
    }
    SwitchConfig cfg;
    try {
      cfg = ConfigValidator.validate(ConfigLoader.load(config));
    } catch (ConfigException e) {
      throw new ConfigException("config " + config + ": " + e.getMessage());
    }
    if (journal != null) {
      journal.append("config file " + config, "initial configuration", ConfigJson.write(cfg));
    }
    return cfg;
  }

  private int run(SwitchConfig cfg, Path counters, Journal journal) {
    Eal eal = Eal.init(EalLauncher.options(cfg, err).toArguments());
    try {
      SwitchLauncher.Running running = SwitchLauncher.open(cfg, counters);
      try {
        ControlPlane plane =
            new ControlPlane(cfg, running.runtime(), running.l2(), journal, confinement());
        return serve(cfg, running, counters, plane);
      } finally {
        running.runtime().close(); // no-op after a clean stop; releases all after a failure
        running.close();
      }
    } finally {
      eal.cleanup();
    }
  }

  /** Starts forwarding, waits for the end, reports, and checks that every mbuf came home. */
  private int serve(
      SwitchConfig cfg, SwitchLauncher.Running running, Path counters, ControlPlane plane) {
    SwitchRuntime runtime = running.runtime();
    installSignalHandling();
    runtime.start();
    LinkWatcher links = new LinkWatcher(runtime, out);
    IpfixExporter ipfix =
        running.l2() == null || running.l2().flowExport() == null
            ? null
            : new IpfixExporter(
                running.l2().flowExport(),
                () -> plane.running().ipfix(),
                IpfixWriter.DEFAULT_MESSAGE_SIZE,
                err);
    ControlAgent agent = startControlAgent(running, links, ipfix, plane);
    DistributedSwitch dvs =
        dvsSettings == null
            ? null
            : new DistributedSwitch(dvsSettings, plane, agent, stateDir, err);
    PrometheusMetrics metrics =
        PrometheusMetrics.forDaemon(plane, agent, running.agedOut()::get, dvs, ipfix);
    if (rarps != null) {
      metrics.vmotion().rarps(rarps::announced, rarps::framesSent);
    }
    metrics.vmotion().connections(ctMoves);
    ApiServer apiServer = null;
    MetricsServer metricsServer;
    try {
      apiServer = startApi(plane, agent, metrics);
      metricsServer = startMetrics(metrics, agent);
    } catch (RuntimeException e) {
      if (apiServer != null) {
        apiServer.close();
      }
      if (dvs != null) {
        dvs.close();
      }
      agent.close();
      throw e;
    }
    if (dvs != null) {
      if (running.l2() != null) {
        PortMobility mobility = new PortMobility(dvsSettings.host(), plane, agent, out);
        metrics.vmotion().mobility(mobility::staleRemoved, mobility::duplicates);
        dvs.observeHosts(mobility);
      }
      if (ctMoves != null) {
        ctMoves.start();
      }
      dvs.start(apiServer == null ? "" : apiServer.addresses());
    }
    HousekeepingAffinity.confine(runtime, err);
    out.printf(
        "vswitch: running: %d ports, %d workers on cores %s; counters in %s%s%s%n",
        runtime.ports().size(),
        runtime.workers().size(),
        cfg.workers().cores(),
        counters,
        apiServer == null ? "" : "; api on " + apiServer.addresses(),
        metricsServer == null ? "" : "; metrics on " + metricsServer.url());
    out.flush();
    Throwable failure;
    try {
      failure = waitForStop(running);
    } finally {
      if (ctMoves != null) {
        ctMoves.close();
      }
      if (dvs != null) {
        dvs.close();
      }
      if (metricsServer != null) {
        metricsServer.close();
      }
      if (apiServer != null) {
        apiServer.close();
      }
      agent.close();
    }
    runtime.stop();
    if (ipfix != null) {
      ipfix.finish(); // the workers have stopped: what their caches still hold goes out now
      ipfix.close();
      out.printf(
          "ipfix: %d records exported in %d messages, %d dropped, %d send errors%n",
          ipfix.recordsExported(),
          ipfix.messagesSent(),
          ipfix.recordsDropped(),
          ipfix.sendErrors());
    }
    SwitchLauncher.printReport(running, out);
    out.println("link: " + links.summary());
    int poolSize = runtime.pool().size();
    int kept = runtime.keptByDrivers();
    int leaked = runtime.closeAndCountLeaks();
    out.printf(
        "vswitch: mbufs leaked: %d of %d%s%n",
        leaked,
        poolSize,
        kept == 0
            ? ""
            : " (net_af_xdp keeps up to " + kept + " in its fill rings; not counted as leaked)");
    if (failure != null) {
      return fail(EXIT_RUNTIME, "worker failed: " + rootMessage(failure));
    }
    return leaked == 0 ? EXIT_OK : fail(EXIT_LEAK, leaked + " mbufs leaked");
  }

  /**
   * What a token holder may reach through the API (see {@link Confinement}); nothing is confined
   * without a state dir, as there is no API then.
   */
  private Confinement confinement() {
    if (stateDir == null) {
      return Confinement.NONE;
    }
    // Defaults under the state dir are subdirectories: never the dir of the token and journal.
    List<Path> sockets =
        socketDirs != null
            ? socketDirs
            : List.of(Path.of("/run/vswitch"), createDirectory(stateDir.resolve("sockets")));
    List<Path> captures =
        captureDirs != null ? captureDirs : List.of(createDirectory(stateDir.resolve("captures")));
    return Confinement.of(sockets, captures, allowRawDevargs);
  }

  private static Path createDirectory(Path dir) {
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new ConfigException("cannot create directory " + dir + ": " + e);
    }
  }

  /**
   * The single control thread: it runs the API's changes and, once a second, FDB aging, the link
   * watch and the XDP links of ports whose veth was busy; the FDB refuses control operations from
   * any other thread from now on.
   */
  private ControlAgent startControlAgent(
      SwitchLauncher.Running running, LinkWatcher links, IpfixExporter ipfix, ControlPlane plane) {
    ControlAgent agent = new ControlAgent(64, err);
    if (running.l2() != null) {
      running.l2().fdb().bindControlThread(agent.thread());
      if (running.l2().conntrack() != null) {
        running.l2().conntrack().bindControlThread(agent.thread());
      }
    }
    Duration second = Duration.ofSeconds(1);
    agent
        .every(second, "fdb aging", running::housekeeping)
        .every(second, "link watch", links::poll)
        .every(second, "veth segmentation", VethSegmentation::retryWaiting);
    if (ipfix != null) {
      agent.every(Duration.ofMillis(IpfixExporter.PERIOD_MILLIS), "ipfix export", ipfix::run);
    }
    if (running.l2() != null) {
      TeamMonitor teams = new TeamMonitor(running.runtime(), running.l2(), out);
      agent.every(Duration.ofMillis(TeamMonitor.TICK_MS), "team watch", teams::poll);
      rarps = new RarpAnnouncer(running.runtime(), running.l2(), plane::running, out);
      agent.every(Duration.ofMillis(RarpAnnouncer.TICK_MS), "rarp announce", rarps::poll);
      if (dvsSettings != null && running.l2().conntrack() != null) {
        ctMoves = new ConnectionMobility(dvsSettings, plane, agent, out);
        agent.every(
            Duration.ofMillis(ConnectionMobility.TICK_MS), "vmotion arrivals", ctMoves::poll);
      }
    }
    return agent.start();
  }

  /**
   * Starts the API in daemon mode: on the unix socket in the state directory, and on TCP when --api
   * host:port asks; null when off.
   */
  private ApiServer startApi(ControlPlane plane, ControlAgent agent, PrometheusMetrics metrics) {
    if ("off".equals(api) || (stateDir == null && api == null)) {
      return null;
    }
    if (stateDir == null) {
      throw new ConfigException("--api needs --state-dir (where the API token is kept)");
    }
    InetSocketAddress tcp = api == null ? null : tcpAddress("--api", api, null);
    ApiServer server = new ApiServer(plane, agent, ApiToken.load(stateDir), metrics);
    String where = stateDir.resolve(ApiServer.SOCKET).toString();
    try {
      server.serveUnix(stateDir.resolve(ApiServer.SOCKET));
      if (tcp != null) {
        where = api;
        server.serveTcp(tcp);
        if (!tcp.getAddress().isLoopbackAddress()) {
          err.println(
              "vswitch: warning: the API on "
                  + api
                  + " is cleartext HTTP: the token and every config cross the network"
                  + " unencrypted; reads need the token too. Prefer the unix socket (over ssh).");
        }
      }
    } catch (IOException e) {
      server.close();
      throw new IllegalStateException(
          "cannot serve the API on "
              + where
              + ": "
              + e.getMessage()
              + " (another vswitch running? use another --state-dir or --api)");
    }
    server.start();
    return server;
  }

  /**
   * The --metrics listener (see {@link MetricsServer}), or null when not asked for. It needs no
   * state dir: it holds no token and changes nothing.
   */
  private MetricsServer startMetrics(PrometheusMetrics metrics, ControlAgent agent) {
    if (metricsAddress == null) {
      return null;
    }
    InetSocketAddress address = tcpAddress("--metrics", metricsAddress, "127.0.0.1");
    try {
      MetricsServer server = MetricsServer.start(address, metrics, agent);
      if (!address.getAddress().isLoopbackAddress()) {
        err.println(
            "vswitch: warning: metrics on "
                + metricsAddress
                + " can be read by anyone who reaches that address (port names and traffic);"
                + " firewall it to the Prometheus servers");
      }
      return server;
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot serve metrics on " + metricsAddress + ": " + e.getMessage());
    }
  }

  /**
   * host:port, [v6]:port, or with {@code defaultHost} a bare port; "off" is the caller's to check.
   */
  private static InetSocketAddress tcpAddress(String option, String address, String defaultHost) {
    if (defaultHost != null && address.matches("[0-9]{1,5}")) {
      address = defaultHost + ":" + address;
    }
    int colon = address.lastIndexOf(':');
    if (colon < 0 || !address.substring(colon + 1).matches("[0-9]{1,5}")) {
      throw new ConfigException(
          option
              + " must be host:port"
              + (defaultHost == null ? " or off" : " or port")
              + ", not '"
              + address
              + "'");
    }
    String host = address.substring(0, colon).replaceAll("^\\[|\\]$", "");
    int port = Integer.parseInt(address.substring(colon + 1));
    if (port > 65535) {
      throw new ConfigException(option + ": port " + port + " is over 65535");
    }
    InetSocketAddress socket = new InetSocketAddress(host, port);
    if (socket.isUnresolved()) {
      throw new ConfigException(option + ": cannot resolve '" + host + "'");
    }
    return socket;
  }

  /**
   * The main thread while the switch runs: waits for a signal, the duration or a worker failure
   * (returned). All control work is the control agent's.
   */
  private Throwable waitForStop(SwitchLauncher.Running running) {
    SwitchRuntime runtime = running.runtime();
    long deadline =
        durationSeconds == null
            ? Long.MAX_VALUE
            : System.nanoTime() + Duration.ofSeconds(durationSeconds).toNanos();
    try {
      while (!stopRequested.await(100, TimeUnit.MILLISECONDS)) {
        if (runtime.workerFailure() != null) {
          return runtime.workerFailure();
        }
        if (System.nanoTime() > deadline) {
          return null;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return null;
  }

  /**
   * SIGINT/SIGTERM run shutdown hooks; ours asks the main thread to stop, waits until it has
   * printed its report and released DPDK, then halts with the main thread's exit code (a clean stop
   * by signal exits 0, as ovs-vswitchd does).
   */
  private void installSignalHandling() {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stopRequested.countDown();
                  try {
                    if (finished.await(30, TimeUnit.SECONDS)) {
                      Runtime.getRuntime().halt(exitCode);
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "vswitch-shutdown"));
  }

  /** Prints the one-line error and returns {@code code}. */
  private int fail(int code, String message) {
    err.println("vswitch: error: " + message);
    return code;
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }

  /** Hands the exit code to the shutdown hook (if a signal started one) and releases it. */
  void finish(int code) {
    exitCode = code;
    finished.countDown();
  }
}
