package io.vswitch.control.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code vswitchctl trace} and {@code vswitchctl capture}: arm through the API, poll until the
 * daemon has what was asked for or the timeout passes, then print the trace or write the pcap.
 */
final class TapCommands {
  private static final long POLL_MILLIS = 100;

  /** The API call and reply handling of the command line. */
  interface Api {
    ApiClient.Reply call(String method, String path, String body);

    int fail(ApiClient.Reply reply);
  }

  private final Api api;
  private final PrintWriter out;
  private final PrintWriter err;
  private final boolean json;

  TapCommands(Api api, PrintWriter out, PrintWriter err, boolean json) {
    this.api = api;
    this.out = out;
    this.err = err;
    this.json = json;
  }

  /** trace PORT [--count N] [--timeout SECONDS] */
  int trace(String port, VswitchCtl.Args args) {
    int count = 10;
    double timeout = 10;
    while (args.more()) {
      String option = args.nextOption();
      switch (option) {
        case "--count" -> count = number(args.next("the value of --count"), "--count");
        case "--timeout" -> timeout = seconds(args.next("the value of --timeout"));
        default -> throw new VswitchCtl.UsageException("unknown option '" + option + "'");
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("port", port);
    body.put("count", count);
    ApiClient.Reply armed = api.call("POST", "/v1/trace", MiniJson.write(body));
    if (armed.status() != 200) {
      return api.fail(armed);
    }
    Object id = ((Map<?, ?>) MiniJson.parse(armed.body())).get("id");
    long deadline = System.nanoTime() + (long) (timeout * 1e9);
    ApiClient.Reply reply;
    while (true) {
      reply = api.call("GET", "/v1/trace/" + id, null);
      if (reply.status() != 200 || done(reply) || System.nanoTime() > deadline) {
        break;
      }
      sleep();
    }
    if (reply.status() != 200) {
      return api.fail(reply);
    }
    Map<?, ?> trace = (Map<?, ?>) MiniJson.parse(reply.body());
    if (!done(reply)) {
      api.call("DELETE", "/v1/trace/" + id, null);
    }
    if (json) {
      out.println(reply.body());
    } else {
      printTrace(trace);
    }
    if (!Boolean.TRUE.equals(trace.get("done"))) {
      err.println(
          "vswitchctl: timeout: "
              + trace.get("recorded")
              + " of "
              + trace.get("count")
              + " packets traced");
      return VswitchCtl.EXIT_FAILED;
    }
    return 0;
  }

  private void printTrace(Map<?, ?> trace) {
    for (Object o : (List<?>) trace.get("packets")) {
      Map<?, ?> p = (Map<?, ?>) o;
      out.printf(
          "packet %s: port %s queue %s worker %s, %s bytes%n",
          p.get("packet"), p.get("port"), p.get("queue"), p.get("worker"), p.get("length"));
      String tag = p.get("tag-vid") == null ? "untagged" : "tag vid " + p.get("tag-vid");
      tag += p.get("tag-pcp") == null ? "" : " pcp " + p.get("tag-pcp");
      line("parse", p.get("src") + " -> " + p.get("dst") + ", " + tag + ", " + p.get("ethertype"));
      if (p.get("vlan") != null) {
        line("vlan", String.valueOf(p.get("vlan")));
      }
      if (p.get("acl-in") instanceof Map<?, ?> acl) {
        String rule =
            "default".equals(acl.get("rule"))
                ? "default"
                : "rule " + acl.get("rule") + " (priority " + acl.get("priority") + ")";
        line("acl-in", "acl " + acl.get("acl") + ": " + rule + ", " + acl.get("action"));
      }
      if (p.get("policer") != null) {
        line("police", String.valueOf(p.get("policer")));
      }
      if (p.get("fdb") != null) {
        line("forward", p.get("fdb") + " -> " + names(p.get("forward-to")));
      }
      if (p.get("acl-out-denied") != null) {
        line("acl-out", "denied by " + names(p.get("acl-out-denied")));
      }
      if (p.get("egress") != null) {
        line("transmit", names(p.get("egress")));
      }
      if (p.get("drop") instanceof Map<?, ?> drop) {
        line("drop", drop.get("reason") + " (by " + drop.get("feature") + ")");
      }
      line("features", names(p.get("features")));
    }
  }

  private void line(String stage, String text) {
    out.printf("  %-9s %s%n", stage, VswitchCtl.printable(text));
  }

  private static String names(Object list) {
    List<?> l = list instanceof List<?> x ? x : List.of();
    return l.isEmpty() ? "(none)" : String.join(", ", l.stream().map(String::valueOf).toList());
  }

  /**
   * capture PORT [--direction in|out|both] [--count N] [--filter F] [--snaplen N] [--pcapng] -w
   * FILE|-
   */
  int capture(String port, VswitchCtl.Args args) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("port", port);
    body.put("count", 100);
    double timeout = 10;
    String file = null;
    while (args.more()) {
      String option = args.nextOption();
      switch (option) {
        case "--direction" -> body.put("direction", args.next("the value of --direction"));
        case "--count" -> body.put("count", number(args.next("the value of --count"), "--count"));
        case "--filter" -> body.put("filter", args.next("the value of --filter"));
        case "--snaplen" ->
            body.put("snaplen", number(args.next("the value of --snaplen"), "--snaplen"));
        case "--timeout" -> timeout = seconds(args.next("the value of --timeout"));
        case "-w" -> file = args.next("the file after -w");
        case "--pcapng" -> body.put("format", "pcapng");
        default -> throw new VswitchCtl.UsageException("unknown option '" + option + "'");
      }
    }
    if (file == null) {
      throw new VswitchCtl.UsageException("capture needs -w FILE (or -w - for stdout)");
    }
    ApiClient.Reply armed = api.call("POST", "/v1/capture", MiniJson.write(body));
    if (armed.status() != 200) {
      return api.fail(armed);
    }
    Object id = ((Map<?, ?>) MiniJson.parse(armed.body())).get("id");
    long deadline = System.nanoTime() + (long) (timeout * 1e9);
    out.flush();
    try (OutputStream sink =
        file.equals("-") ? new NoClose(System.out) : Files.newOutputStream(Path.of(file))) {
      while (true) {
        boolean last = System.nanoTime() > deadline;
        ApiClient.Reply reply = api.call(last ? "DELETE" : "GET", "/v1/capture/" + id, null);
        if (reply.status() != 200) {
          return api.fail(reply);
        }
        Map<?, ?> state = (Map<?, ?>) MiniJson.parse(reply.body());
        sink.write(Base64.getDecoder().decode(String.valueOf(state.get("pcap"))));
        sink.flush();
        if (Boolean.TRUE.equals(state.get("done"))) {
          err.println(
              "vswitchctl: "
                  + state.get("captured")
                  + " frames captured, "
                  + state.get("skipped")
                  + " skipped (ring full)");
          return 0;
        }
        sleep();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean done(ApiClient.Reply reply) {
    return reply.status() == 200
        && MiniJson.parse(reply.body()) instanceof Map<?, ?> m
        && Boolean.TRUE.equals(m.get("done"));
  }

  private static int number(String text, String what) {
    if (!text.matches("[0-9]{1,6}")) {
      throw new VswitchCtl.UsageException(what + " must be a number, not '" + text + "'");
    }
    return Integer.parseInt(text);
  }

  private static double seconds(String text) {
    if (!text.matches("[0-9]{1,5}(\\.[0-9]{1,3})?")) {
      throw new VswitchCtl.UsageException("--timeout must be seconds, not '" + text + "'");
    }
    return Double.parseDouble(text);
  }

  private static void sleep() {
    try {
      Thread.sleep(POLL_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }

  /** stdout for the pcap, left open for the JVM. */
  private static final class NoClose extends java.io.FilterOutputStream {
    NoClose(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
