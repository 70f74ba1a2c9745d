package io.vswitch.control.ipfix;

import io.vswitch.control.config.IpfixSpecs;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.dataplane.conntrack.CtClock;
import io.vswitch.dataplane.flow.FlowCache;
import io.vswitch.dataplane.flow.FlowExport;
import io.vswitch.dataplane.flow.FlowRecord;
import io.vswitch.dataplane.flow.FlowRing;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The exporting process (RFC 7011) on the control agent: a duty every {@link #PERIOD_MILLIS} ms
 * drains each worker's ring of expired flows into IPFIX messages and sends each message over UDP to
 * every collector, one unconnected non-blocking socket for all. Templates go first, then again
 * every {@code template-refresh} seconds and whenever the collectors change (section 8.4: over UDP
 * templates are resent periodically). The sequence number is per collector (each is its own
 * transport session): data records sent to it before the message.
 *
 * <p>It reads the running config's {@code ipfix} section on each run (it runs on the agent, where
 * changes are applied), so collectors, timeouts, sampling and the refresh change live; the workers
 * get new timeouts and sampling through their caches' settings.
 */
public final class IpfixExporter implements AutoCloseable {
  public static final long PERIOD_MILLIS = 100;

  private final FlowExport flows;
  private final Supplier<SwitchConfig.Ipfix> config;
  private final PrintStream log;
  private final DatagramChannel socket;
  private final IpfixWriter writer;
  private final long[] record = new long[FlowRecord.WORDS];

  private SwitchConfig.Ipfix applied;
  private List<InetSocketAddress> collectors = List.of();
  private long[] sequences = new long[0];
  private long nextTemplates;
  private boolean sendTemplates;

  private final AtomicLong exported = new AtomicLong();
  private final AtomicLong messages = new AtomicLong();
  private final AtomicLong sendErrors = new AtomicLong();
  private long lastErrorLog;

  public IpfixExporter(
      FlowExport flows, Supplier<SwitchConfig.Ipfix> config, int messageSize, PrintStream log) {
    this.flows = flows;
    this.config = config;
    this.log = log;
    this.writer = new IpfixWriter(messageSize);
    try {
      this.socket = DatagramChannel.open();
      socket.configureBlocking(false);
    } catch (IOException e) {
      throw new UncheckedIOException("ipfix: cannot open a UDP socket", e);
    }
  }

  /** One run of the duty: settings, templates when due, then every ring drained. */
  public void run() {
    SwitchConfig.Ipfix now = config.get();
    if (now == null) {
      return;
    }
    if (now != applied) {
      apply(now);
    }
    long millis = System.currentTimeMillis();
    if (sendTemplates || millis - nextTemplates >= 0) {
      sendTemplates = false;
      nextTemplates = millis + applied.templateRefresh() * 1000L;
      writer.begin();
      writer.templates();
      send();
    }
    drain();
  }

  private void apply(SwitchConfig.Ipfix next) {
    List<InetSocketAddress> addresses = IpfixSpecs.collectors(next);
    if (!addresses.equals(collectors)) {
      long[] kept = new long[addresses.size()];
      for (int i = 0; i < kept.length; i++) {
        int old = collectors.indexOf(addresses.get(i));
        kept[i] = old < 0 ? 0 : sequences[old];
      }
      collectors = addresses;
      sequences = kept;
      sendTemplates = true;
    }
    if (applied == null
        || !applied.templateRefresh().equals(next.templateRefresh())
        || !applied.observationDomain().equals(next.observationDomain())) {
      sendTemplates = true;
    }
    flows.configure(IpfixSpecs.settings(next));
    applied = next;
  }

  /** Drains every ring into as many messages as it takes. Returns the records sent. */
  int drain() {
    long offset = System.currentTimeMillis() - CtClock.nowMillis();
    int sent = 0;
    writer.begin();
    for (int w = 0; w < flows.workers(); w++) {
      FlowRing ring = flows.cache(w).ring();
      while (ring.poll(record)) {
        if (!writer.add(record, offset)) {
          sent += send();
          writer.begin();
          writer.add(record, offset);
        }
      }
    }
    if (!writer.isEmpty()) {
      sent += send();
    }
    return sent;
  }

  /** Finishes the writer's message and sends it to each collector; returns its data records. */
  private int send() {
    int records = writer.records();
    ByteBuffer message =
        writer.finish(System.currentTimeMillis() / 1000, applied.observationDomain());
    for (int c = 0; c < collectors.size(); c++) {
      IpfixWriter.sequence(message, sequences[c]);
      message.position(0);
      try {
        if (socket.send(message, collectors.get(c)) == 0) {
          sendErrors.incrementAndGet(); // the socket buffer is full: this message is lost
        } else {
          sequences[c] += records;
          messages.incrementAndGet();
        }
      } catch (IOException e) {
        sendErrors.incrementAndGet();
        long t = System.nanoTime();
        if (t - lastErrorLog > 10_000_000_000L || lastErrorLog == 0) {
          lastErrorLog = t;
          log.printf("vswitch: warning: ipfix: sending to %s failed: %s%n", collectors.get(c), e);
          log.flush();
        }
      }
    }
    exported.addAndGet(records);
    return records;
  }

  /**
   * At stop, once the workers no longer run: every flow still in a cache is exported (flowEndReason
   * forced end), then the socket closes.
   */
  public void finish() {
    if (config.get() == null) {
      return;
    }
    if (applied == null || config.get() != applied) {
      apply(config.get());
    }
    for (int w = 0; w < flows.workers(); w++) {
      FlowCache cache = flows.cache(w);
      while (cache.flush() > 0) {
        drain();
      }
    }
    drain();
  }

  /** Data records put in messages since start (sent to each collector). */
  public long recordsExported() {
    return exported.get();
  }

  /** Records the workers could not hand over (a full bucket while the ring was full). */
  public long recordsDropped() {
    long n = 0;
    for (int w = 0; w < flows.workers(); w++) {
      n += flows.cache(w).dropped();
    }
    return n;
  }

  /** Messages sent, over all collectors. */
  public long messagesSent() {
    return messages.get();
  }

  /** Sends that failed (socket errors or a full socket buffer). */
  public long sendErrors() {
    return sendErrors.get();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing a datagram socket: nothing to do
    }
  }
}
