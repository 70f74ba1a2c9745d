package io.vswitch.control.distributed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.OverlaySpecs;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.control.distributed.EtcdStore.EtcdException;
import io.vswitch.control.distributed.EtcdStore.Versioned;
import io.vswitch.control.plane.ApplyException;
import io.vswitch.control.plane.ChangeDescriber;
import io.vswitch.control.plane.ConfigJson;
import io.vswitch.control.plane.ControlAgent;
import io.vswitch.control.plane.ControlPlane;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This host's part of a distributed switch: it keeps the running config's shared sections ({@link
 * SharedConfig#SECTIONS}) at etcd's {@code /vswitch/S/config} and publishes what this host is at
 * {@code /vswitch/S/hosts/H} under a lease, so a host that dies disappears when its lease runs out.
 *
 * <p>One thread of its own talks to etcd (network waits never hold the control agent); each new
 * revision is merged into the running config and handed to the control agent, which applies it as
 * any change: {@link ControlPlane#applyDistributed}, validated whole, applied whole or not at all,
 * journaled. A revision this host refuses (its ports are in a group the revision removed, an ACL it
 * cannot compile) leaves the host on its last good config, and is reported: a log line, {@code
 * vswitch_etcd_refused_revisions_total}, and {@code status: refused} in the host's record.
 *
 * <p>etcd unreachable: the switch keeps forwarding on what it runs (nothing in the data plane
 * depends on etcd), {@code vswitch_etcd_connected} is 0, and one line says so. When etcd is back
 * the thread reads the key again (so a change made meanwhile is applied), watches from the revision
 * it read, and publishes its record under a new lease. Across restarts the journal holds the last
 * applied config and {@code etcd-applied.json} its revision, so a host that starts while etcd is
 * down runs on what it last had.
 */
public final class DistributedSwitch implements AutoCloseable {
  /** Where and as what this host joins a distributed switch. */
  public record Settings(List<String> endpoints, String switchName, String host, int ttlSeconds) {}

  static final String STATE_FILE = "etcd-applied.json";
  private static final Duration HEARTBEAT = Duration.ofSeconds(1);

  private record Update(String value, long revision, long generation) {}

  private final Settings settings;
  private final ControlPlane plane;
  private final ControlAgent agent;
  private final PrintStream log;
  private final Path stateFile;
  private EtcdStore store; // the etcd thread's; a new one after each failed attempt (see lost)
  private final String configKey;
  private final String hostKey;
  private final Thread thread;
  private final LinkedBlockingQueue<Update> updates = new LinkedBlockingQueue<>();
  private final AtomicLong refused = new AtomicLong();
  private final long started = System.currentTimeMillis();
  private final RemoteHosts remoteHosts; // the other hosts' records: groups' members, VTEPs

  private volatile boolean connected;
  private volatile long appliedRevision;
  private volatile String status = "starting";
  private volatile String detail = "";
  private volatile boolean stopping;
  private String apiAddress = "";
  private volatile HostRecords hostRecords;

  /**
   * Another part of this host that adds to its record and reads the others' ({@link PortMobility}):
   * called on the etcd thread, {@code observe} once a second (and at once when a record changes:
   * watched) with every host's record (key to JSON), this host's included.
   */
  public interface HostRecords {
    void contribute(ObjectNode record);

    void observe(java.util.Map<String, String> records);
  }

  /** Before {@link #start}: who else writes to and reads the host records. */
  public DistributedSwitch observeHosts(HostRecords records) {
    this.hostRecords = records;
    return this;
  }

  // The etcd thread's own.
  private Boolean reachable; // null until the first attempt: logged once per change
  private long seenRevision; // the newest revision this host judged (applied or refused)
  private long generation; // of the watch; events of an older one are stale
  private AutoCloseable watcher;
  private AutoCloseable hostsWatcher; // wakes the loop when a host record changes
  private long lease;
  private long leaseRenewedNanos;
  private String published;

  public DistributedSwitch(
      Settings settings, ControlPlane plane, ControlAgent agent, Path stateDir, PrintStream log) {
    this.settings = settings;
    this.plane = plane;
    this.agent = agent;
    this.log = log;
    this.stateFile = stateDir.resolve(STATE_FILE);
    this.store = new EtcdStore(settings.endpoints());
    this.configKey = EtcdStore.configKey(settings.switchName());
    this.hostKey = EtcdStore.hostsPrefix(settings.switchName()) + settings.host();
    this.appliedRevision = readAppliedRevision();
    this.seenRevision = appliedRevision;
    this.remoteHosts = new RemoteHosts(settings.host(), log);
    this.thread = Thread.ofPlatform().daemon().name("vswitch-etcd").unstarted(this::run);
    plane.guardLocalChanges(this::refuseLocalChangeOfShared);
    // A change (a new VTEP address, a port's tags) republishes the record at once: a wake-up of
    // no generation, skipped by the loop, which then runs its heartbeat (publish, observe).
    plane.onApplied(() -> updates.add(new Update(null, 0, -1)));
  }

  /** Starts following etcd; {@code apiAddress} is what the host record says to reach this host. */
  public DistributedSwitch start(String apiAddress) {
    this.apiAddress = apiAddress;
    thread.start();
    return this;
  }

  public boolean connected() {
    return connected;
  }

  /** The etcd revision of the shared config this host runs (0: none yet). */
  public long appliedRevision() {
    return appliedRevision;
  }

  /** Revisions this host refused since start. */
  public long refusedRevisions() {
    return refused.get();
  }

  public String status() {
    return status;
  }

  private void refuseLocalChangeOfShared(SwitchConfig running, SwitchConfig desired) {
    List<String> touched = SharedConfig.differing(running, desired);
    if (!touched.isEmpty()) {
      throw new ConfigException(
          String.join(" and ", touched)
              + " belong to the distributed switch '"
              + settings.switchName()
              + "' (etcd "
              + String.join(",", settings.endpoints())
              + "), not to this host: change them there, with vswitchctl --etcd "
              + settings.endpoints().get(0)
              + " --switch "
              + settings.switchName()
              + " config set FILE");
    }
  }

  private void run() {
    while (!stopping) {
      try {
        if (!connected) {
          connect();
        }
        Update u = updates.poll(HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
        for (; u != null; u = updates.poll()) {
          if (u.generation() != generation) {
            continue; // from a watch that was closed
          }
          if (u.revision() < 0) {
            throw new EtcdException(
                "lost etcd " + store.endpoints() + " (the watch of " + configKey + " broke)", null);
          }
          offer(u.value(), u.revision(), false);
        }
        heartbeat();
      } catch (EtcdException e) {
        lost(e);
        pause();
      } catch (InterruptedException e) {
        break;
      } catch (RuntimeException e) {
        if (stopping) {
          break;
        }
        log.println("vswitch: warning: etcd: " + e);
        log.flush();
        pause();
      }
    }
  }

  private void connect() {
    Versioned v = store.get(configKey);
    long gen = ++generation;
    updates.clear();
    watcher =
        store.watch(
            configKey,
            v.storeRevision() + 1,
            (value, rev) -> updates.add(new Update(value, rev, gen)),
            t -> updates.add(new Update(null, -1, gen)));
    // The host records are watched too, so a VM move's FDB clean-up and a new VTEP reach this
    // host at once; the watch only wakes the loop (a wake-up of no generation), whose heartbeat
    // reads the records as the once-a-second poll does, which stays as the fallback.
    hostsWatcher =
        store.watchPrefix(
            EtcdStore.hostsPrefix(settings.switchName()),
            v.storeRevision() + 1,
            () -> updates.add(new Update(null, 0, -1)),
            t -> {}); // a broken watch leaves the poll; the config watch reports the loss
    if (lease != 0) {
      try {
        store.revoke(lease); // from before the outage: etcd restarts its leases' time on restart
      } catch (EtcdException e) {
        // expired already
      }
    }
    lease = store.grant(settings.ttlSeconds());
    leaseRenewedNanos = System.nanoTime();
    published = null;
    connected = true;
    if (!Boolean.TRUE.equals(reachable)) {
      reachable = true;
      say(
          "vswitch: etcd: connected to %s: switch %s, shared config at revision %d, this host at"
              + " %d",
          store.endpoints(), settings.switchName(), v.modRevision(), appliedRevision);
    }
    offer(v.value(), v.modRevision(), true);
    if (status.equals("starting")) {
      status = "ok"; // it runs the revision etcd has (restored from the journal)
    }
    publish();
    observeHosts();
  }

  /** The other hosts' records, read once, to what follows them: remote facts, port mobility. */
  private void observeHosts() {
    java.util.Map<String, String> records =
        store.list(EtcdStore.hostsPrefix(settings.switchName()));
    remoteHosts.refresh(records, agent, plane);
    HostRecords h = hostRecords;
    if (h != null) {
      h.observe(records);
    }
  }

  /** Once a second: the key read again (a missed or broken watch cannot leave this host behind). */
  private void heartbeat() {
    Versioned v = store.get(configKey);
    offer(v.value(), v.modRevision(), true);
    long sinceRenewal = System.nanoTime() - leaseRenewedNanos;
    if (sinceRenewal > TimeUnit.SECONDS.toNanos(Math.max(1, settings.ttlSeconds() / 3))) {
      if (!store.keepAlive(lease)) {
        lease = store.grant(settings.ttlSeconds());
        published = null;
      }
      leaseRenewedNanos = System.nanoTime();
    }
    publish();
    observeHosts();
  }

  /**
   * A revision of the shared config: applied unless this host judged it already. {@code current}:
   * read from the key as it is now (then an older revision than the one seen means etcd's data was
   * replaced, and it wins); otherwise a watch event, which never goes back.
   */
  private void offer(String value, long revision, boolean current) {
    if (current ? revision == seenRevision : revision <= seenRevision) {
      return;
    }
    if (value == null) {
      seenRevision = revision;
      status = "ok";
      detail =
          "no shared config at "
              + configKey
              + " (never written, or deleted): keeping what runs (revision "
              + appliedRevision
              + ")";
      return;
    }
    String source = "etcd " + settings.switchName() + " revision " + revision;
    try {
      String what =
          agent.submit(
              () -> {
                SwitchConfig running = plane.running();
                SwitchConfig desired = SharedConfig.merge(running, value, source);
                String description =
                    "distributed config revision "
                        + revision
                        + ": "
                        + ChangeDescriber.describe(running, desired);
                var record = plane.applyDistributed(desired, source, description);
                if (record == null) {
                  return "no change here";
                }
                List<String> leftOut = OverlaySpecs.leftOut(plane.running(), plane.remote());
                return leftOut.isEmpty()
                    ? description
                    : description
                        + "; discovered VTEPs left out (the switch's port or next-hop limit): "
                        + String.join(", ", leftOut);
              });
      seenRevision = revision;
      appliedRevision = revision;
      status = "ok";
      detail = "";
      persistAppliedRevision(revision);
      say(
          "vswitch: etcd: applied revision %d of switch %s (%s)",
          revision, settings.switchName(), what);
    } catch (RejectedExecutionException e) {
      // The agent is busy or stopping: not judged, so the next heartbeat offers it again.
    } catch (ConfigException | ApplyException e) {
      refuse(revision, e.getMessage());
    } catch (RuntimeException e) {
      if (stopping) {
        return; // interrupted by the stop, not judged
      }
      refuse(revision, e.toString()); // judged once too: never retried (and logged) every second
    }
  }

  private void refuse(long revision, String why) {
    seenRevision = revision;
    status = "refused";
    detail = "revision " + revision + ": " + why;
    say(
        "vswitch: warning: etcd: refused revision %d of switch %s: %s; keeping revision %d",
        revision, settings.switchName(), why, appliedRevision);
    // Counted after the warning, so whoever sees the counter move can also read why.
    refused.incrementAndGet();
  }

  /** Puts this host's record when it changed (or its lease is new). */
  private void publish() {
    ObjectNode record = ConfigJson.MAPPER.createObjectNode();
    record.put("host", settings.host());
    record.put("api", apiAddress);
    record.put("revision", appliedRevision);
    record.put("status", status);
    if (!detail.isEmpty()) {
      record.put("detail", detail);
    }
    record.put("started", started);
    ArrayNode ports = record.putArray("ports");
    for (SwitchConfig.Port p : plane.running().ports()) {
      ObjectNode port = ports.addObject();
      port.put("name", p.name());
      if (p.mac() != null) {
        port.put("mac", p.mac());
      }
      if (p.portGroup() != null) {
        port.put("port-group", p.portGroup());
      }
    }
    RemoteHosts.describe(plane.running(), record); // tags, addresses, VTEP and VNIs
    HostRecords h = hostRecords;
    if (h != null) {
      h.contribute(record);
    }
    String json = ConfigJson.write(record);
    if (!json.equals(published)) {
      store.put(hostKey, json, lease);
      published = json;
    }
  }

  private void lost(EtcdException e) {
    if (stopping) {
      return;
    }
    boolean was = connected;
    connected = false;
    closeWatcher();
    generation++;
    // A fresh client: gRPC's own reconnection backs off up to two minutes, so after a long outage
    // the old channel could find etcd back only that late; a new one connects at once.
    store.close();
    store = new EtcdStore(settings.endpoints());
    if (was || reachable == null || reachable) {
      reachable = false;
      say(
          "vswitch: warning: etcd: %s; forwarding on the last applied config (revision %d),"
              + " retrying every second",
          e.getMessage(), appliedRevision);
    }
  }

  private void closeWatcher() {
    if (watcher != null) {
      try {
        watcher.close();
      } catch (Exception ignored) {
        // a watch on a dead connection: nothing to close
      }
      watcher = null;
    }
    if (hostsWatcher != null) {
      try {
        hostsWatcher.close();
      } catch (Exception ignored) {
        // as above
      }
      hostsWatcher = null;
    }
  }

  private void pause() {
    try {
      Thread.sleep(HEARTBEAT.toMillis());
    } catch (InterruptedException e) {
      stopping = true;
    }
  }

  private void say(String format, Object... args) {
    log.println(String.format(format, args));
    log.flush();
  }

  private long readAppliedRevision() {
    try {
      if (!Files.exists(stateFile)) {
        return 0;
      }
      JsonNode state = ConfigJson.MAPPER.readTree(Files.readString(stateFile));
      return settings.switchName().equals(state.path("switch").asText())
          ? state.path("revision").asLong()
          : 0;
    } catch (IOException | RuntimeException e) {
      say("vswitch: warning: etcd: cannot read %s (%s): starting at revision 0", stateFile, e);
      return 0;
    }
  }

  /** The applied revision, beside the journal that holds its config: written whole, fsynced. */
  private void persistAppliedRevision(long revision) {
    ObjectNode state = ConfigJson.MAPPER.createObjectNode();
    state.put("switch", settings.switchName());
    state.put("revision", revision);
    Path tmp = stateFile.resolveSibling(STATE_FILE + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(java.nio.ByteBuffer.wrap(ConfigJson.write(state).getBytes(StandardCharsets.UTF_8)));
      ch.force(true);
    } catch (IOException e) {
      say("vswitch: warning: etcd: cannot write %s: %s", tmp, e);
      return;
    }
    try {
      Files.move(
          tmp, stateFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      say("vswitch: warning: etcd: cannot write %s: %s", stateFile, e);
    }
  }

  /** Stops following etcd and withdraws this host's record (its lease revoked) if etcd is there. */
  @Override
  public void close() {
    stopping = true;
    thread.interrupt();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeWatcher();
    if (connected && lease != 0) {
      try {
        store.revoke(lease);
      } catch (RuntimeException e) {
        // etcd went away meanwhile: the lease runs out by itself
      }
    }
    store.close();
  }
}
