package io.vswitch.control.distributed;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The few etcd operations the distributed switch needs, over jetcd, each bounded by a timeout so
 * that an unreachable etcd is an {@link EtcdException} after {@link #TIMEOUT} at most, never a
 * hang. The keys of switch {@code S}: {@code /vswitch/S/config} (the shared config, one JSON
 * document whose etcd mod revision is its revision) and {@code /vswitch/S/hosts/H} (what host H
 * publishes, under a lease).
 */
public final class EtcdStore implements AutoCloseable {
  /** Long enough for a first call's channel set-up on a loaded 2-core machine. */
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  /**
   * gRPC, Netty and Vert.x log through java.util.logging (a stack trace on stderr when a client is
   * closed mid-connect, as after a failed attempt): the switch says what matters itself, one line
   * per state. Held here, as the JDK keeps loggers only weakly.
   */
  private static final List<java.util.logging.Logger> QUIET =
      List.of("io.grpc", "io.netty", "io.vertx", "io.etcd").stream()
          .map(java.util.logging.Logger::getLogger)
          .toList();

  static {
    QUIET.forEach(l -> l.setLevel(java.util.logging.Level.OFF));
    // jetcd's Netty would use sun.misc.Unsafe, which this JDK warns about on stderr: a control
    // connection needs none of its speed.
    if (System.getProperty("io.netty.noUnsafe") == null) {
      System.setProperty("io.netty.noUnsafe", "true");
    }
    // jetcd's Vert.x makes a /tmp/vertx-cache-UUID directory for files it would serve from the
    // class path, which a client never does; a switch killed with SIGKILL left it behind (five
    // per run of the suite). Without class-path resolving Vert.x makes none.
    if (System.getProperty("vertx.disableFileCPResolving") == null) {
      System.setProperty("vertx.disableFileCPResolving", "true");
    }
  }

  private final Client client;
  private final String endpoints;

  /** A value with the revision that last changed it, and the store's revision when it was read. */
  public record Versioned(String value, long modRevision, long storeRevision) {}

  /** Raised when etcd cannot be reached or refuses; says which endpoints. */
  public static final class EtcdException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    EtcdException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public EtcdStore(List<String> endpoints) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no etcd endpoints");
    }
    for (String e : endpoints) {
      URI uri = URI.create(e);
      if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
        throw new IllegalArgumentException(
            "an etcd endpoint is http://host:port, not '" + e + "' (TLS is not supported yet)");
      }
    }
    this.endpoints = String.join(",", endpoints);
    this.client =
        Client.builder()
            .endpoints(endpoints.toArray(String[]::new))
            .connectTimeout(TIMEOUT)
            .retryMaxDuration(TIMEOUT)
            .keepaliveTime(Duration.ofSeconds(5))
            .keepaliveTimeout(TIMEOUT)
            .build();
  }

  public String endpoints() {
    return endpoints;
  }

  public static String configKey(String switchName) {
    return "/vswitch/" + switchName + "/config";
  }

  public static String hostsPrefix(String switchName) {
    return "/vswitch/" + switchName + "/hosts/";
  }

  /** The key's value, or empty (with the store's revision) when it does not exist. */
  public Versioned get(String key) {
    GetResponse r = await(client.getKVClient().get(bytes(key)), "read " + key);
    long store = r.getHeader().getRevision();
    if (r.getKvs().isEmpty()) {
      return new Versioned(null, 0, store);
    }
    KeyValue kv = r.getKvs().get(0);
    return new Versioned(
        kv.getValue().toString(StandardCharsets.UTF_8), kv.getModRevision(), store);
  }

  /** A value with the revision that last changed it and the lease it lives under (0: none). */
  public record Leased(String value, long modRevision, long lease) {}

  /** The key's value with its lease, or null when it does not exist. */
  public Leased getLeased(String key) {
    GetResponse r = await(client.getKVClient().get(bytes(key)), "read " + key);
    if (r.getKvs().isEmpty()) {
      return null;
    }
    KeyValue kv = r.getKvs().get(0);
    return new Leased(
        kv.getValue().toString(StandardCharsets.UTF_8), kv.getModRevision(), kv.getLease());
  }

  /** Seconds the lease has left; 0 or less when it is gone (expired or revoked). */
  public long leaseRemaining(long lease) {
    return await(
            client.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT), "read lease " + lease)
        .getTTL();
  }

  /** Deletes the key if its mod revision is still {@code expected}; whether it did. */
  public boolean deleteIfRevision(String key, long expected) {
    TxnResponse r =
        await(
            client
                .getKVClient()
                .txn()
                .If(new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.modRevision(expected)))
                .Then(Op.delete(bytes(key), DeleteOption.DEFAULT))
                .commit(),
            "delete " + key);
    return r.isSucceeded();
  }

  /** Every key under {@code prefix} (the prefix cut off) with its value, sorted by key. */
  public Map<String, String> list(String prefix) {
    GetResponse r =
        await(
            client.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build()),
            "list " + prefix);
    Map<String, String> all = new TreeMap<>();
    for (KeyValue kv : r.getKvs()) {
      all.put(
          kv.getKey().toString(StandardCharsets.UTF_8).substring(prefix.length()),
          kv.getValue().toString(StandardCharsets.UTF_8));
    }
    return all;
  }

  /**
   * Writes {@code value} only if the key's mod revision is still {@code expected} (0: the key does
   * not exist): a compare-and-set in one etcd transaction. Returns the new revision, or empty when
   * another writer came first (nothing written).
   */
  public Optional<Long> putIfRevision(String key, String value, long expected) {
    TxnResponse r =
        await(
            client
                .getKVClient()
                .txn()
                .If(new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.modRevision(expected)))
                .Then(Op.put(bytes(key), bytes(value), PutOption.DEFAULT))
                .commit(),
            "write " + key);
    return r.isSucceeded() ? Optional.of(r.getHeader().getRevision()) : Optional.<Long>empty();
  }

  public void put(String key, String value, long lease) {
    await(
        client
            .getKVClient()
            .put(bytes(key), bytes(value), PutOption.builder().withLeaseId(lease).build()),
        "write " + key);
  }

  /** A new lease of {@code ttlSeconds}; its id. */
  public long grant(long ttlSeconds) {
    return await(client.getLeaseClient().grant(ttlSeconds), "grant a lease").getID();
  }

  /** Renews the lease; false when it is gone (expired while etcd could not be reached). */
  public boolean keepAlive(long lease) {
    try {
      return await(client.getLeaseClient().keepAliveOnce(lease), "renew the lease").getTTL() > 0;
    } catch (EtcdException e) {
      if (String.valueOf(rootMessage(e)).contains("requested lease not found")) {
        return false;
      }
      throw e;
    }
  }

  public void revoke(long lease) {
    await(client.getLeaseClient().revoke(lease), "revoke the lease");
  }

  /**
   * Watches {@code key} from {@code fromRevision} on: {@code onPut} gets each new value (a delete
   * as a null value) with its revision, in order; {@code onError} when the watch breaks.
   */
  public AutoCloseable watch(
      String key,
      long fromRevision,
      java.util.function.BiConsumer<String, Long> onPut,
      Consumer<Throwable> onError) {
    Watch.Watcher w =
        client
            .getWatchClient()
            .watch(
                bytes(key),
                WatchOption.builder().withRevision(fromRevision).build(),
                Watch.listener(
                    response -> {
                      List<WatchEvent> events = new ArrayList<>(response.getEvents());
                      for (WatchEvent e : events) {
                        KeyValue kv = e.getKeyValue();
                        String value =
                            e.getEventType() == WatchEvent.EventType.DELETE
                                ? null
                                : kv.getValue().toString(StandardCharsets.UTF_8);
                        onPut.accept(value, kv.getModRevision());
                      }
                    },
                    onError));
    return w::close;
  }

  /**
   * Watches every key under {@code prefix} from {@code fromRevision}: {@code onChange} is told (on
   * jetcd's thread) that something changed, not what; the caller reads the keys itself.
   */
  public AutoCloseable watchPrefix(
      String prefix, long fromRevision, Runnable onChange, Consumer<Throwable> onError) {
    Watch.Watcher w =
        client
            .getWatchClient()
            .watch(
                bytes(prefix),
                WatchOption.builder().isPrefix(true).withRevision(fromRevision).build(),
                Watch.listener(response -> onChange.run(), onError));
    return w::close;
  }

  private <T> T await(CompletableFuture<T> future, String what) {
    try {
      return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new EtcdException(
          "cannot "
              + what
              + " at etcd "
              + endpoints
              + ": no answer in "
              + TIMEOUT.toSeconds()
              + " s",
          e);
    } catch (ExecutionException e) {
      throw new EtcdException(
          "cannot " + what + " at etcd " + endpoints + ": " + rootMessage(e.getCause()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdException("interrupted while waiting for etcd " + endpoints, e);
    }
  }

  static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    client.close();
  }
}
