package io.vswitch.control.tap;

import io.vswitch.control.config.ConfigException;
import io.vswitch.control.plane.ControlAgent;
import io.vswitch.control.plane.ControlPlane;
import io.vswitch.dataplane.l2.L2Switch;
import io.vswitch.dataplane.l2.tap.CaptureFilter;
import io.vswitch.dataplane.l2.tap.CaptureRing;
import io.vswitch.dataplane.l2.tap.CaptureSession;
import io.vswitch.dataplane.l2.tap.Taps;
import io.vswitch.dataplane.l2.tap.TraceSession;
import io.vswitch.dataplane.port.Port;
import java.io.ByteArrayOutputStream;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

/**
 * Packet trace and live capture for the API, on the control agent (its one thread; no locks): arms
 * a {@link TraceSession} or {@link CaptureSession} by publishing tables whose taps carry it, turns
 * trace records into JSON, drains capture rings into pcap, and disarms when a session is done or
 * deleted. One trace and one capture at a time; arming a new one replaces the old.
 */
public final class TapService {
  /** The most frames one capture takes. */
  public static final int MAX_CAPTURE = 100_000;

  /** A session nobody has polled for this long is disarmed (its client went away). */
  static final java.time.Duration IDLE = java.time.Duration.ofSeconds(30);

  private final ControlPlane plane;
  private final ControlAgent agent;
  private int nextId = 1;
  private long tracePolled;
  private long capturePolled;
  private TraceSession trace;
  private String tracePort;
  private CaptureSession capture;
  private String capturePort;
  private int captureCount;
  private int captured;
  private boolean headerSent;
  private boolean pcapng;

  /**
   * @param agent the control agent all of this runs on; an abandoned session's watcher submits its
   *     disarming there
   */
  public TapService(ControlPlane plane, ControlAgent agent) {
    this.plane = plane;
    this.agent = agent;
  }

  /**
   * Watches session {@code id} from a virtual thread that only sleeps and submits: when nobody
   * polled it for {@link #IDLE}, the agent disarms it, so a killed client leaves no tap behind.
   */
  private void watch(int id) {
    Thread.ofVirtual()
        .name("tap-watch-" + id)
        .start(
            () -> {
              while (agent.thread().isAlive()) {
                try {
                  Thread.sleep(IDLE.toMillis() / 3);
                  if (!agent.submit(() -> expire(id))) {
                    return;
                  }
                } catch (InterruptedException e) {
                  return;
                } catch (RejectedExecutionException e) {
                  // busy this time, or stopping (then the loop ends): the switch goes with its taps
                }
              }
            });
  }

  /** On the agent: whether session {@code id} is still armed after disarming it if idle. */
  private boolean expire(int id) {
    long idle = System.nanoTime() - IDLE.toNanos();
    if (trace != null && trace.id() == id) {
      if (tracePolled < idle) {
        stopTrace(id);
        return false;
      }
      return true;
    }
    if (capture != null && capture.id() == id) {
      if (capturePolled < idle) {
        capture(id, true);
        return false;
      }
      return true;
    }
    return false;
  }

  private L2Switch l2() {
    if (plane.l2() == null) {
      throw new ConfigException("trace and capture need an L2 switch (port groups)");
    }
    return plane.l2();
  }

  private int portIndex(String name) {
    Port port = name == null ? null : plane.runtime().port(name);
    if (port == null) {
      throw new ConfigException("no such port: '" + name + "'");
    }
    return port.index();
  }

  /** Arms a trace of the next {@code count} packets received on {@code port}. */
  public Map<String, Object> startTrace(String port, int count) {
    if (count < 1 || count > TraceSession.MAX_PACKETS) {
      throw new ConfigException("count must be 1 to " + TraceSession.MAX_PACKETS);
    }
    L2Switch l2 = l2();
    trace = new TraceSession(nextId++, portIndex(port), count);
    tracePort = port;
    tracePolled = System.nanoTime();
    l2.tap(new Taps(trace, l2.taps().capture()));
    watch(trace.id());
    return Map.of("id", trace.id(), "port", port, "count", count);
  }

  /** The trace's records so far; a complete trace is disarmed. Null when there is no such trace. */
  public Map<String, Object> trace(int id) {
    if (trace == null || trace.id() != id) {
      return null;
    }
    tracePolled = System.nanoTime();
    boolean done = trace.complete();
    Map<String, Object> result = TraceJson.report(trace, tracePort, done, portNames());
    if (done) {
      stopTrace(id);
    }
    return result;
  }

  /** Disarms the trace; returns whether there was one with this id. */
  public boolean stopTrace(int id) {
    if (trace == null || trace.id() != id) {
      return false;
    }
    L2Switch l2 = l2();
    l2.tap(new Taps(null, l2.taps().capture()));
    trace = null;
    return true;
  }

  private Map<Integer, String> portNames() {
    Map<Integer, String> names = new LinkedHashMap<>();
    plane.runtime().ports().forEach(p -> names.put(p.index(), p.name()));
    return names;
  }

  /** Arms a capture; replaces a running one. */
  public Map<String, Object> startCapture(
      String port, String direction, int count, String filter, int snaplen, String format) {
    if (format != null && !format.equals("pcap") && !format.equals("pcapng")) {
      throw new ConfigException("format must be pcap or pcapng, not '" + format + "'");
    }
    if (count < 1 || count > MAX_CAPTURE) {
      throw new ConfigException("count must be 1 to " + MAX_CAPTURE);
    }
    if (snaplen < 64 || snaplen > CaptureSession.MAX_SNAPLEN) {
      throw new ConfigException("snaplen must be 64 to " + CaptureSession.MAX_SNAPLEN);
    }
    String dir = direction == null ? "in" : direction;
    if (!List.of("in", "out", "both").contains(dir)) {
      throw new ConfigException("direction must be in, out or both, not '" + dir + "'");
    }
    CaptureFilter parsed;
    try {
      parsed = CaptureFilter.parse(filter);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
    L2Switch l2 = l2();
    int index = portIndex(port);
    if (capture != null) {
      capture.stop();
    }
    capture =
        new CaptureSession(
            nextId++,
            index,
            !dir.equals("out"),
            !dir.equals("in"),
            parsed,
            snaplen,
            Math.max(1, plane.runtime().workers().size()));
    capturePort = port;
    captureCount = count;
    captured = 0;
    headerSent = false;
    pcapng = "pcapng".equals(format);
    capturePolled = System.nanoTime();
    l2.tap(new Taps(l2.taps().trace(), capture));
    watch(capture.id());
    return Map.of("id", capture.id(), "port", port, "direction", dir, "filter", parsed.toString());
  }

  /**
   * Drains the capture: the pcap bytes since the last call (the file header first), base64, with
   * the counts. A capture that has its count, or that is {@code stopping}, is disarmed. Null when
   * there is no such capture.
   */
  public Map<String, Object> capture(int id, boolean stopping) {
    if (capture == null || capture.id() != id) {
      return null;
    }
    capturePolled = System.nanoTime();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int snaplen = capture.rings()[0].snaplen();
    if (!headerSent) {
      if (pcapng) {
        PcapNgWriter.header(out, capturePort, snaplen);
      } else {
        PcapWriter.header(out, snaplen);
      }
      headerSent = true;
    }
    CaptureRing.Sink sink =
        pcapng
            ? (data, offset, caplen, length, nanos, dir) ->
                PcapNgWriter.record(out, data, offset, caplen, length, nanos, dir == CaptureRing.IN)
            : (data, offset, caplen, length, nanos, dir) ->
                PcapWriter.record(out, data, offset, caplen, length, nanos);
    for (CaptureRing ring : capture.rings()) {
      captured += ring.drain(sink, captureCount - captured);
    }
    boolean done = captured >= captureCount || stopping;
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("id", id);
    result.put("port", capturePort);
    result.put("captured", captured);
    result.put("skipped", capture.skipped());
    result.put("done", done);
    result.put("pcap", Base64.getEncoder().encodeToString(out.toByteArray()));
    if (done) {
      capture.stop();
      L2Switch l2 = l2();
      l2.tap(new Taps(l2.taps().trace(), null));
      capture = null;
    }
    return result;
  }
}
