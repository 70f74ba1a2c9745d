package io.vswitch.control.cli;

import io.vswitch.control.config.Names;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * vswitchctl: the operator's CLI, in the spirit of ovs-vsctl and ovs-appctl, over the daemon's API
 * (its unix socket by default). Exit codes: 0 done, 1 the daemon failed or could not be reached, 2
 * the change was refused (invalid, unknown name) or the command line is wrong.
 *
 * <p>It is deliberately light: no picocli, no Jackson, no java.net.http, only java.base classes it
 * needs, so a call starts in well under 0.3 s (scripts/bench-cli.sh measures it). Every edit is one
 * request that the daemon applies under its control plane's lock, so concurrent calls never lose
 * each other's changes.
 */
public final class VswitchCtl {
  static final int EXIT_FAILED = 1;
  static final int EXIT_REFUSED = 2;
  private static final String DEFAULT_STATE_DIR = "/var/lib/vswitch";

  private static final String USAGE =
      """
      Usage: vswitchctl [--api unix:PATH|HOST:PORT] [--state-dir DIR] [--json] COMMAND [ARGS]
      Query and change a running vswitch through its API.
        --api        the daemon's API (default: unix:STATE-DIR/api.sock; env VSWITCH_API)
        --state-dir  where the daemon keeps its socket and API token (default /var/lib/vswitch;
                     env VSWITCH_STATE_DIR)
        --json       print the API's JSON instead of tables
      Commands:
        show                                the running configuration
        add-port NAME (--type TYPE [--iface IF] [--socket PATH] [--mode client|server] [--pci ADDR]
                 [--rx-file F] [--tx-file F] [--loop] [--queues N] | --devargs DEVARGS)
                 [--port-group G] [--mac MAC] [--address IP[/LEN]]...
                                            add a port; TYPE: afxdp afpacket pcap pcap-file dpdk
                                            vhost-user virtio-user (as in the config file)
        del-port NAME                       remove a port
        set-port-group NAME GROUP           move a port to another port group
        set-port-tags NAME [TAG...]         a port's tags (its tag-based security groups); none:
                                            no tags
        apply FILE [--if-match N]           make the switch match FILE (YAML or JSON); with
                                            --if-match, only if the config is still change #N
        add-acl-rule ACL RULE               add a rule (JSON, e.g. '{"priority":100,"action":"deny",
                                            "protocol":"tcp","dst-port":"80"}'); new ACL: allow
        del-acl-rule ACL PRIORITY           remove a rule
        acl show [ACL]                      ACLs, each rule with the packets it decided
        security-groups                     each group's member ports and addresses
        set-qos GROUP QOS|none              a port group's QoS (JSON: ingress-policer,
                                            egress-shaper, mark), or none
        dump-fdb                            the forwarding database
        overlay                             VXLAN: the VTEP, segments, remote VTEPs, learned MACs
        add-segment SEGMENT                 add an overlay segment, live (JSON, e.g. '{"name":"b",
                                            "vni":5002,"port-groups":["tenant-b"]}')
        del-segment NAME                    remove one, live: its tunnel ports close
        team-status                         uplink teams: members, health, active, failovers
        conntrack list|flush [--zone VLAN] [--port PORT]
                                            tracked connections (at most 10,000 listed), or
                                            remove them: all, a zone's, a port's
        counters                            per-port counters and drops by reason
        history                             every accepted change (the journal, an audit log)
        metrics                             the Prometheus metrics, as scraped
        trace PORT [--count N] [--timeout S]
                                            each stage's decision for the next N packets
                                            received on PORT (1-1000, default 10)
        capture PORT [--direction in|out|both] [--count N] [--filter F] [--snaplen N]
                [--timeout S] [--pcapng] -w FILE|-
                                            frames of PORT to a pcap file (- for stdout;
                                            --pcapng: with the port's name and direction);
                                            F: tcp udp icmp icmp6 arp ip ip6, host ADDR,
                                            port N, vlan N, ether host MAC, joined by 'and'
      The distributed switch (its shared config in etcd, not one host):
      vswitchctl --etcd URL[,URL] --switch NAME [--json] COMMAND
        config get                          the shared config (port groups, ACLs, security
                                            groups, overlay segments); its revision on stderr
        config set FILE [--if-revision N]   validate FILE here, then write it if the config is
                                            still at the revision read (or N): compare-and-set
        hosts                               the hosts alive in it: revision, status, ports
        add-acl-rule ACL RULE, del-acl-rule ACL PRIORITY, set-qos GROUP QOS|none,
        add-segment SEGMENT, del-segment NAME
                                            as for one host, on the shared config (read, edit,
                                            compare-and-set; redone when another writer won)
      Exit: 0 done, 1 failed or unreachable (or a concurrent change came first), 2 refused or
      bad command line.
      """;

  private final PrintWriter out;
  private final PrintWriter err;
  private String api = System.getenv("VSWITCH_API");
  private Path stateDir =
      Path.of(
          System.getenv("VSWITCH_STATE_DIR") != null
              ? System.getenv("VSWITCH_STATE_DIR")
              : DEFAULT_STATE_DIR);
  private boolean json;
  private List<String> etcd; // the distributed switch's commands instead of one host's
  private String switchName;
  private ApiClient client;

  private VswitchCtl(PrintWriter out, PrintWriter err) {
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, false, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    int code = run(args, out, err);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /** Runs one command line; returns the exit code. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    VswitchCtl ctl = new VswitchCtl(out, err);
    try {
      return ctl.dispatch(new Args(args));
    } catch (UsageException e) {
      err.println("vswitchctl: error: " + e.getMessage() + " (see vswitchctl --help)");
      return EXIT_REFUSED;
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** A wrong command line. */
  static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  /** The command line, consumed front to back. */
  static final class Args {
    private final List<String> rest;

    Args(String[] args) {
      this.rest = new ArrayList<>(List.of(args));
    }

    boolean more() {
      return !rest.isEmpty();
    }

    String peek() {
      return rest.get(0);
    }

    String next(String what) {
      if (rest.isEmpty()) {
        throw new UsageException("missing " + what);
      }
      return rest.remove(0);
    }

    /** Splits "--opt=value" so that "--opt value" and "--opt=value" both work. */
    String nextOption() {
      String arg = rest.remove(0);
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        rest.add(0, arg.substring(eq + 1));
        return arg.substring(0, eq);
      }
      return arg;
    }

    void end() {
      if (!rest.isEmpty()) {
        throw new UsageException("unexpected argument '" + rest.get(0) + "'");
      }
    }
  }

  private int dispatch(Args args) {
    while (args.more() && args.peek().startsWith("-")) {
      String option = args.nextOption();
      switch (option) {
        case "--api" -> api = args.next("the value of --api");
        case "--state-dir" -> stateDir = Path.of(args.next("the value of --state-dir"));
        case "--json" -> json = true;
        case "--etcd" -> etcd = List.of(args.next("the value of --etcd").split(","));
        case "--switch" -> switchName = args.next("the value of --switch");
        case "-h", "--help" -> {
          out.print(USAGE);
          return 0;
        }
        case "-V", "--version" -> {
          out.println("vswitchctl 0.1.0");
          return 0;
        }
        default -> throw new UsageException("unknown option '" + option + "'");
      }
    }
    if (etcd != null || switchName != null) {
      if (etcd == null) {
        throw new UsageException("--switch needs --etcd ENDPOINTS");
      }
      return new DistributedCommands(etcd, switchName, json, out, err).run(args);
    }
    String command = args.next("a command");
    try {
      client = ApiClient.of(api != null ? api : "unix:" + stateDir.resolve("api.sock"));
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    return switch (command) {
      case "show" -> show(args);
      case "add-port" -> addPort(args);
      case "del-port" -> change(args, "DELETE", "/v1/ports/" + name(args, "the port name"), null);
      case "set-port-group" -> {
        String port = name(args, "the port name");
        yield change(args, "PUT", "/v1/ports/" + port + "/port-group", args.next("the group"));
      }
      case "set-port-tags" -> {
        String port = name(args, "the port name");
        List<Object> tags = new ArrayList<>();
        while (args.more()) {
          tags.add(name(args, "a tag"));
        }
        yield change(args, "PUT", "/v1/ports/" + port + "/tags", MiniJson.write(tags));
      }
      case "acl" -> {
        String verb = args.next("show");
        if (!verb.equals("show")) {
          throw new UsageException("acl takes show, not '" + verb + "'");
        }
        String path = args.more() ? "/v1/acls/" + name(args, "the ACL name") : "/v1/acls";
        yield read(args, path, this::aclTable);
      }
      case "security-groups" -> read(args, "/v1/security-groups", this::groupsTable);
      case "apply" -> apply(args);
      case "add-acl-rule" -> {
        String acl = name(args, "the ACL name");
        yield change(args, "POST", "/v1/acls/" + acl + "/rules", args.next("the rule (JSON)"));
      }
      case "del-acl-rule" -> {
        String acl = name(args, "the ACL name");
        String priority = args.next("the priority");
        if (!priority.matches("-?[0-9]{1,9}")) {
          throw new UsageException("the priority must be a number, not '" + priority + "'");
        }
        yield change(args, "DELETE", "/v1/acls/" + acl + "/rules/" + priority, null);
      }
      case "set-qos" -> {
        String group = name(args, "the port group name");
        String qos = args.next("the QoS (JSON) or none");
        String path = "/v1/port-groups/" + group + "/qos";
        yield qos.equals("none")
            ? change(args, "DELETE", path, null)
            : change(args, "PUT", path, qos);
      }
      case "add-segment" ->
          change(args, "POST", "/v1/overlay/segments", args.next("the segment (JSON)"));
      case "del-segment" ->
          change(args, "DELETE", "/v1/overlay/segments/" + name(args, "the segment name"), null);
      case "dump-fdb" -> read(args, "/v1/fdb", this::fdbTable);
      case "team-status" -> read(args, "/v1/teams", this::teamTable);
      case "conntrack" -> conntrack(args);
      case "counters" -> read(args, "/v1/ports", this::countersTable);
      case "history" -> read(args, "/v1/history", this::historyTable);
      case "overlay" -> read(args, "/v1/overlay", this::overlayTable);
      case "metrics" -> metrics(args);
      case "trace" -> taps().trace(name(args, "the port name"), args);
      case "capture" -> taps().capture(name(args, "the port name"), args);
      default -> throw new UsageException("unknown command '" + command + "'");
    };
  }

  private TapCommands taps() {
    return new TapCommands(
        new TapCommands.Api() {
          @Override
          public ApiClient.Reply call(String method, String path, String body) {
            return VswitchCtl.this.call(method, path, body, Map.of());
          }

          @Override
          public int fail(ApiClient.Reply reply) {
            return finish(reply, null);
          }
        },
        out,
        err,
        json);
  }

  /** A name that goes into a URL path: one path segment, nothing to escape. */
  private static String name(Args args, String what) {
    String name = args.next(what);
    if (!Names.isValid(name)) {
      throw new UsageException(what + " " + Names.quote(name) + " is not a valid name");
    }
    return name;
  }

  static String printable(String s) {
    return s.replaceAll("[\\p{Cntrl}]", "?");
  }

  private ApiClient.Reply call(
      String method, String path, String body, Map<String, String> headers) {
    Map<String, String> all = new LinkedHashMap<>(headers);
    if (!method.equals("GET") || !client.display().startsWith("/")) {
      String token = token();
      if (token != null) {
        all.put("Authorization", "Bearer " + token);
      }
    }
    return client.call(method, path, body, all);
  }

  private String token() {
    try {
      return Files.readString(stateDir.resolve("api-token")).trim();
    } catch (IOException e) {
      return null; // the daemon will answer 401 with what to do
    }
  }

  private int change(Args args, String method, String path, String body) {
    args.end();
    return finish(call(method, path, body, Map.of()), this::printChange);
  }

  private int read(Args args, String path, java.util.function.Consumer<Object> table) {
    args.end();
    return finish(call("GET", path, null, Map.of()), table);
  }

  /** Prints the reply (JSON or through {@code table}) and returns the exit code. */
  private int finish(ApiClient.Reply reply, java.util.function.Consumer<Object> table) {
    if (reply.status() == 0) {
      err.println("vswitchctl: " + reply.body());
      return EXIT_FAILED;
    }
    if (reply.status() != 200) {
      String message = reply.body();
      try {
        if (MiniJson.parse(reply.body()) instanceof Map<?, ?> m && m.get("error") != null) {
          message = String.valueOf(m.get("error"));
        }
      } catch (IllegalArgumentException e) {
        // not JSON: print as is
      }
      err.println("vswitchctl: error: " + printable(message.strip()));
      int s = reply.status();
      return s == 400 || s == 401 || s == 403 || s == 404 || s == 413 ? EXIT_REFUSED : EXIT_FAILED;
    }
    if (json || table == null) {
      out.println(reply.body());
      return 0;
    }
    try {
      table.accept(MiniJson.parse(reply.body()));
    } catch (IllegalArgumentException | ClassCastException e) {
      out.println(reply.body());
    }
    return 0;
  }

  private void printChange(Object reply) {
    Map<?, ?> result = (Map<?, ?>) reply;
    out.println(
        Boolean.TRUE.equals(result.get("changed"))
            ? "ok: change #"
                + result.get("sequence")
                + " "
                + printable(str(result.get("description")))
            : "ok: nothing to change");
  }

  private static String str(Object o) {
    return o == null ? "-" : o instanceof String s ? s : MiniJson.write(o);
  }

  private static Map<?, ?> map(Object o) {
    return o instanceof Map<?, ?> m ? m : Map.of();
  }

  private static List<?> list(Object o) {
    return o instanceof List<?> l ? l : List.of();
  }

  private int show(Args args) {
    args.end();
    return finish(
        call("GET", "/v1/config", null, Map.of()),
        node -> {
          out.printf("%-16s %-12s %-20s %s%n", "port", "port-group", "mac", "device");
          for (Object p : list(map(node).get("ports"))) {
            Map<?, ?> port = map(p);
            Object device = port.get("type") != null ? port.get("type") : port.get("devargs");
            out.printf(
                "%-16s %-12s %-20s %s%n",
                printable(str(port.get("name"))),
                printable(str(port.get("port-group"))),
                printable(str(port.get("mac"))),
                printable(str(device)));
          }
          for (Object g : list(map(node).get("port-groups"))) {
            Map<?, ?> group = map(g);
            out.printf(
                "port-group %-12s vlan %s security %s%n",
                printable(str(group.get("name"))),
                str(group.get("vlan")),
                str(group.get("security")));
          }
        });
  }

  /** Typed-port fields the command line takes, as the config file spells them. */
  private static final Set<String> PORT_VALUE_OPTIONS =
      Set.of(
          "type",
          "iface",
          "socket",
          "mode",
          "pci",
          "rx-file",
          "tx-file",
          "devargs",
          "port-group",
          "mac");

  private int addPort(Args args) {
    String name = name(args, "the port name");
    Map<String, Object> port = new LinkedHashMap<>();
    port.put("name", name);
    while (args.more()) {
      String option = args.nextOption();
      String key = option.startsWith("--") ? option.substring(2) : option;
      if (PORT_VALUE_OPTIONS.contains(key)) {
        port.put(key, args.next("the value of " + option));
      } else if (key.equals("queues")) {
        String n = args.next("the value of --queues");
        if (!n.matches("[0-9]{1,4}")) {
          throw new UsageException("--queues must be a number, not '" + n + "'");
        }
        port.put("queues", Long.parseLong(n));
      } else if (key.equals("loop")) {
        port.put("loop", true);
      } else if (key.equals("address")) {
        // The VM's address (or prefix), repeatable: its identity for security groups and vMotion.
        @SuppressWarnings("unchecked")
        List<Object> addresses =
            (List<Object>) port.computeIfAbsent("addresses", k -> new ArrayList<Object>());
        addresses.add(args.next("the value of --address"));
      } else {
        throw new UsageException("add-port: unknown option '" + option + "'");
      }
    }
    if (!port.containsKey("type") && !port.containsKey("devargs")) {
      throw new UsageException("add-port needs --type TYPE (or raw --devargs)");
    }
    return finish(call("POST", "/v1/ports", MiniJson.write(port), Map.of()), this::printChange);
  }

  private int apply(Args args) {
    Path file = Path.of(args.next("the config file"));
    Map<String, String> headers = new LinkedHashMap<>();
    while (args.more()) {
      String option = args.nextOption();
      if (!option.equals("--if-match")) {
        throw new UsageException("apply: unknown option '" + option + "'");
      }
      String n = args.next("the value of --if-match");
      if (!n.matches("[0-9]{1,18}")) {
        throw new UsageException("--if-match takes a change number, not '" + n + "'");
      }
      headers.put("If-Match", "\"" + n + "\"");
    }
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      err.println("vswitchctl: error: cannot read " + file + ": " + e.getMessage());
      return EXIT_REFUSED;
    }
    return finish(call("PUT", "/v1/config", text, headers), this::printChange);
  }

  /** {@code conntrack list|flush [--zone Z] [--port P]}: the filter becomes the API path. */
  private int conntrack(Args args) {
    String verb = args.next("list or flush");
    if (!verb.equals("list") && !verb.equals("flush")) {
      throw new UsageException("conntrack takes list or flush, not '" + verb + "'");
    }
    StringBuilder path = new StringBuilder("/v1/conntrack");
    while (args.more()) {
      String option = args.nextOption();
      switch (option) {
        case "--zone" -> {
          String zone = args.next("the zone (a VLAN id)");
          if (!zone.matches("[0-9]{1,4}")) {
            throw new UsageException("a zone is a VLAN id, not '" + zone + "'");
          }
          path.append("/zones/").append(zone);
        }
        case "--port" -> path.append("/ports/").append(name(args, "the port name"));
        default -> throw new UsageException("unknown option '" + option + "'");
      }
    }
    return verb.equals("list")
        ? finish(call("GET", path.toString(), null, Map.of()), this::conntrackTable)
        : finish(
            call("DELETE", path.toString(), null, Map.of()),
            r -> out.println("ok: " + str(((Map<?, ?>) r).get("flushed")) + " flushed"));
  }

  private void conntrackTable(Object node) {
    Map<?, ?> reply = map(node);
    out.printf(
        "%5s  %-5s  %-40s  %-40s  %-11s  %-12s  %6s  %7s  %s%n",
        "zone", "proto", "src", "dst", "state", "port", "age", "expires", "packets");
    for (Object c : list(reply.get("connections"))) {
      Map<?, ?> e = map(c);
      out.printf(
          "%5s  %-5s  %-40s  %-40s  %-11s  %-12s  %6s  %7s  %s%n",
          str(e.get("zone")),
          str(e.get("protocol")),
          str(e.get("src")) + ":" + str(e.get("src-port")),
          str(e.get("dst")) + ":" + str(e.get("dst-port")),
          str(e.get("state")),
          printable(str(e.get("port"))),
          str(e.get("age")),
          str(e.get("expires-in")),
          str(e.get("packets")));
    }
    if (Boolean.TRUE.equals(reply.get("truncated"))) {
      out.println("(" + str(reply.get("total")) + " connections; the first 10000 shown)");
    }
  }

  /** One ACL (a map) or a list of them: each rule with its match and hits. */
  private void aclTable(Object node) {
    List<?> acls = node instanceof Map<?, ?> ? List.of(node) : list(node);
    for (Object a : acls) {
      Map<?, ?> acl = map(a);
      out.printf("acl %s (default %s)%n", printable(str(acl.get("name"))), str(acl.get("default")));
      out.printf("  %8s  %-5s  %12s  %s%n", "priority", "action", "hits", "match");
      for (Object r : list(acl.get("rules"))) {
        Map<?, ?> rule = map(r);
        StringBuilder match = new StringBuilder();
        for (Map.Entry<?, ?> e : rule.entrySet()) {
          String key = String.valueOf(e.getKey());
          if (!Set.of("priority", "action", "hits", "compiled-rules").contains(key)) {
            match
                .append(match.isEmpty() ? "" : " ")
                .append(key)
                .append(' ')
                .append(str(e.getValue()));
          }
        }
        Object compiled = rule.get("compiled-rules");
        if (rule.containsKey("src-group") || rule.containsKey("dst-group")) {
          match.append(" (").append(str(compiled)).append(" compiled)");
        }
        out.printf(
            "  %8s  %-5s  %12s  %s%n",
            str(rule.get("priority")),
            str(rule.get("action")),
            str(rule.get("hits")),
            printable(match.toString()));
      }
      out.printf(
          "  %8s  %-5s  %12s%n", "default", str(acl.get("default")), str(acl.get("default-hits")));
    }
  }

  private void groupsTable(Object node) {
    out.printf("%-16s  %-40s  %s%n", "group", "members", "addresses");
    for (Object g : list(node)) {
      Map<?, ?> group = map(g);
      out.printf(
          "%-16s  %-40s  %s%n",
          printable(str(group.get("name"))),
          printable(
              String.join(",", list(group.get("members")).stream().map(Object::toString).toList())),
          printable(
              String.join(
                  ",", list(group.get("addresses")).stream().map(Object::toString).toList())));
    }
  }

  /** The VTEP, then a line per (segment, remote VTEP) with its state and learned MACs. */
  private void overlayTable(Object node) {
    Map<?, ?> view = map(node);
    Object vtepNode = view.get("vtep");
    if (vtepNode == null) {
      out.println("no overlay");
      return;
    }
    Map<?, ?> vtep = map(vtepNode);
    out.printf(
        "vtep %s on %s, mac %s, udp %s, geneve %s, ttl %s, segment mtu %s (uplink less %s)%n",
        str(vtep.get("address")),
        printable(str(vtep.get("port"))),
        str(vtep.get("mac")),
        str(vtep.get("udp-port")),
        str(vtep.get("geneve-port")),
        str(vtep.get("ttl")),
        str(vtep.get("mtu")),
        str(vtep.get("overhead")));
    if (vtep.get("team") != null) {
      List<String> members = new ArrayList<>();
      list(map(vtep.get("team")).get("members")).forEach(m -> members.add(printable(str(m))));
      Object carrying = vtep.get("carrying");
      out.printf(
          "vtep team %s: members %s, carrying %s%n",
          printable(str(vtep.get("port"))),
          String.join(" ", members),
          carrying == null ? "none (no healthy member: team_no_uplink)" : printable(str(carrying)));
    }
    out.printf(
        "%-16s %9s %5s  %-15s  %-8s %10s %10s  %s%n",
        "segment", "vni", "vlan", "remote-vtep", "resolved", "rx", "tx", "macs");
    for (Object s : list(view.get("segments"))) {
      Map<?, ?> segment = map(s);
      if (list(segment.get("remote-vteps")).isEmpty()) { // no tunnel yet: no other host serves it
        out.printf(
            "%-16s %9s %5s  %-15s%n", printable(str(segment.get("name"))), vni(segment), "-", "-");
      }
      for (Object r : list(segment.get("remote-vteps"))) {
        Map<?, ?> remote = map(r);
        out.printf(
            "%-16s %9s %5s  %-15s  %-8s %10s %10s  %s%n",
            printable(str(segment.get("name"))),
            vni(segment),
            str(segment.get("vlan")),
            str(remote.get("address")),
            str(remote.get("resolved")),
            str(remote.get("rx_packets")),
            str(remote.get("tx_packets")),
            remote.get("macs") == null
                ? ""
                : String.join(
                    " ", list(remote.get("macs")).stream().map(VswitchCtl::str).toList()));
      }
    }
    if (view.get("left-out") != null && !list(view.get("left-out")).isEmpty()) {
      out.println(
          "left out (the switch's port or next-hop limit): "
              + printable(
                  String.join(
                      " ", list(view.get("left-out")).stream().map(VswitchCtl::str).toList())));
    }
  }

  /** A segment's VNI as the overlay table shows it: "g:" before a Geneve one's. */
  private static String vni(Map<?, ?> segment) {
    return ("geneve".equals(segment.get("encapsulation")) ? "g:" : "") + str(segment.get("vni"));
  }

  private void fdbTable(Object node) {
    out.printf("%5s  %-17s  %-16s  %s%n", "vlan", "mac", "port", "age");
    for (Object e : list(node)) {
      Map<?, ?> entry = map(e);
      out.printf(
          "%5s  %-17s  %-16s  %s%n",
          str(entry.get("vlan")),
          str(entry.get("mac")),
          printable(str(entry.get("port"))),
          str(entry.get("age")));
    }
  }

  private void teamTable(Object node) {
    for (Object t : list(node)) {
      Map<?, ?> team = map(t);
      out.printf(
          "team %s  policy %s  detection %s  failovers %s  failbacks %s%n",
          printable(str(team.get("name"))),
          str(team.get("policy")),
          str(team.get("detection")),
          str(team.get("failovers")),
          str(team.get("failbacks")));
      out.printf(
          "  %-16s %-8s %-6s %-8s %14s %14s %10s%n",
          "member", "role", "state", "carrying", "tx_packets", "rx_packets", "replies");
      for (Object m : list(team.get("members"))) {
        Map<?, ?> member = map(m);
        out.printf(
            "  %-16s %-8s %-6s %-8s %14s %14s %10s%n",
            printable(str(member.get("name"))),
            str(member.get("role")),
            str(member.get("state")),
            Boolean.TRUE.equals(member.get("carrying")) ? "yes" : "no",
            str(member.get("tx_packets")),
            str(member.get("rx_packets")),
            str(member.get("probe_replies")));
      }
      if (team.get("lacp") != null) {
        lacpTable(map(team.get("lacp")), list(team.get("members")));
      }
    }
  }

  /** A LACP team's actor, and per member its machines and both ends, as OVS's lacp/show does. */
  private void lacpTable(Map<?, ?> lacp, List<?> members) {
    out.printf(
        "  lacp %s  rate %s  system %s/%s  key %s%n",
        str(lacp.get("mode")),
        str(lacp.get("rate")),
        str(lacp.get("system_priority")),
        str(lacp.get("system_id")),
        str(lacp.get("key")));
    for (Object m : members) {
      Map<?, ?> member = map(m);
      Map<?, ?> l = map(member.get("lacp"));
      out.printf(
          "  %-16s receive %s  mux %s  lacpdus rx %s tx %s bad %s looped %s  markers rx %s"
              + " answered %s bad %s dropped %s%n",
          printable(str(member.get("name"))),
          str(l.get("receive")),
          str(l.get("mux")),
          str(l.get("pdus_rx")),
          str(l.get("pdus_tx")),
          str(l.get("pdus_bad")),
          str(l.get("pdus_looped")),
          str(l.get("markers_received")),
          str(l.get("markers_answered")),
          str(l.get("markers_bad")),
          str(l.get("markers_dropped")));
      if (l.get("actor") != null) {
        Map<?, ?> a = map(l.get("actor"));
        Map<?, ?> p = map(l.get("partner"));
        out.printf(
            "    actor   system %s/%s key %s port %s state %s%n",
            str(a.get("system_priority")),
            str(a.get("system_id")),
            str(a.get("key")),
            str(a.get("port")),
            str(a.get("state_bits")));
        out.printf(
            "    partner system %s/%s key %s port %s state %s%n",
            str(p.get("system_priority")),
            str(p.get("system_id")),
            str(p.get("key")),
            str(p.get("port")),
            str(p.get("state_bits")));
      }
    }
  }

  private void countersTable(Object node) {
    out.printf(
        "%-16s %14s %14s %14s %14s  %s%n",
        "port", "rx_packets", "tx_packets", "tx_unicast", "tx_flood", "drops");
    for (Object p : list(node)) {
      Map<?, ?> port = map(p);
      out.printf(
          "%-16s %14s %14s %14s %14s  %s%n",
          printable(str(port.get("name"))),
          str(port.get("rx_packets")),
          str(port.get("tx_packets")),
          str(port.get("tx_unicast")),
          str(port.get("tx_flood")),
          str(port.get("drops")));
    }
  }

  private void historyTable(Object node) {
    for (Object r : list(node)) {
      Map<?, ?> record = map(r);
      Object millis = record.get("time-millis");
      out.printf(
          "#%-5s %s  %-24s %s%n",
          str(record.get("sequence")),
          millis instanceof Long l ? Instant.ofEpochMilli(l) : "-",
          printable(str(record.get("source"))),
          printable(str(record.get("description"))));
    }
  }

  private int metrics(Args args) {
    args.end();
    ApiClient.Reply reply = call("GET", "/metrics", null, Map.of());
    if (reply.status() == 200) {
      out.print(reply.body());
      return 0;
    }
    return finish(reply, null);
  }
}
