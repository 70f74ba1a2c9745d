package io.vswitch.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.control.api.ApiToken;
import io.vswitch.control.plane.ConfigJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * vswitchctl: the operator's CLI, in the spirit of ovs-vsctl and ovs-appctl, over the daemon's REST
 * API. Exit codes: 0 done, 1 the daemon failed or could not be reached, 2 the change was refused
 * (invalid, unknown name) or the command line is wrong.
 */
@Command(
    name = "vswitchctl",
    mixinStandardHelpOptions = true,
    version = "vswitchctl 0.1.0",
    description = "Query and change a running vswitch through its API.",
    subcommands = {
      VswitchCtl.Show.class,
      VswitchCtl.AddPort.class,
      VswitchCtl.DelPort.class,
      VswitchCtl.SetPortGroup.class,
      VswitchCtl.Apply.class,
      VswitchCtl.AddAclRule.class,
      VswitchCtl.DelAclRule.class,
      VswitchCtl.SetQos.class,
      VswitchCtl.DumpFdb.class,
      VswitchCtl.Counters.class,
      VswitchCtl.History.class,
      VswitchCtl.Metrics.class
    })
public final class VswitchCtl {
  static final int EXIT_FAILED = 1;
  static final int EXIT_REFUSED = 2;

  @Option(
      names = "--api",
      defaultValue = "${env:VSWITCH_API:-http://127.0.0.1:6640}",
      description = "The daemon's API (default ${DEFAULT-VALUE}).")
  String api;

  @Option(
      names = "--state-dir",
      defaultValue = "${env:VSWITCH_STATE_DIR:-/var/lib/vswitch}",
      description = "Where the daemon keeps its API token (default ${DEFAULT-VALUE}).")
  Path stateDir;

  @Option(names = "--json", description = "Print the API's JSON instead of tables.")
  boolean json;

  @Spec CommandSpec spec;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public static void main(String[] args) {
    System.exit(new CommandLine(new VswitchCtl()).execute(args));
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  /** One API call; prints the error and returns null when it did not succeed. */
  Reply call(String method, String path, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(60));
    if (!method.equals("GET")) {
      request.header("Authorization", "Bearer " + token());
    }
    request.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    try {
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(response.statusCode(), response.body());
    } catch (IOException e) {
      return new Reply(0, "cannot reach vswitch at " + api + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Reply(0, "interrupted");
    }
  }

  private String token() {
    try {
      return Files.readString(stateDir.resolve(ApiToken.FILE)).trim();
    } catch (IOException e) {
      return ""; // the daemon will answer 401 with what to do
    }
  }

  /** Prints the reply (JSON or through {@code table}) and returns the exit code. */
  int finish(Reply reply, java.util.function.Consumer<JsonNode> table) {
    if (reply.status() == 0) {
      spec.commandLine().getErr().println("vswitchctl: error: " + reply.body());
      return EXIT_FAILED;
    }
    if (reply.status() != 200) {
      String message = reply.body();
      try {
        message = ConfigJson.MAPPER.readTree(reply.body()).path("error").asText(message);
      } catch (IOException e) {
        // not JSON: print as is
      }
      spec.commandLine().getErr().println("vswitchctl: error: " + message);
      return reply.status() == 400 || reply.status() == 404 || reply.status() == 401
          ? EXIT_REFUSED
          : EXIT_FAILED;
    }
    if (json || table == null) {
      out().println(reply.body());
    } else {
      try {
        table.accept(ConfigJson.MAPPER.readTree(reply.body()));
      } catch (IOException e) {
        out().println(reply.body());
      }
    }
    out().flush();
    return 0;
  }

  void printChange(JsonNode result) {
    out()
        .println(
            result.path("changed").asBoolean()
                ? "ok: change #"
                    + result.path("sequence").asLong()
                    + " "
                    + result.path("description").asText()
                : "ok: nothing to change");
  }

  record Reply(int status, String body) {}

  /** Base of the subcommands: access to the parent's options and helpers. */
  abstract static class Sub implements Callable<Integer> {
    @ParentCommand VswitchCtl ctl;
  }

  @Command(name = "show", description = "The running configuration and the ports' counters.")
  static final class Show extends Sub {
    @Override
    public Integer call() {
      Reply config = ctl.call("GET", "/v1/config", null);
      if (ctl.json) {
        return ctl.finish(config, null);
      }
      int code =
          ctl.finish(
              config,
              node -> {
                ctl.out().printf("%-16s %-12s %-20s %s%n", "port", "port-group", "mac", "devargs");
                for (JsonNode p : node.path("ports")) {
                  ctl.out()
                      .printf(
                          "%-16s %-12s %-20s %s%n",
                          p.path("name").asText(),
                          p.path("port-group").asText("-"),
                          p.path("mac").asText("-"),
                          p.path("devargs").asText());
                }
                for (JsonNode g : node.path("port-groups")) {
                  ctl.out()
                      .printf(
                          "port-group %-12s vlan %s security %s%n",
                          g.path("name").asText(), g.path("vlan"), g.path("security"));
                }
              });
      return code;
    }
  }

  @Command(name = "add-port", description = "Add a port (opens the device at once).")
  static final class AddPort extends Sub {
    @Parameters(index = "0", description = "Port name.")
    String name;

    @Option(names = "--devargs", required = true, description = "DPDK devargs of the device.")
    String devargs;

    @Option(names = "--port-group", description = "Its port group (default: access VLAN 1).")
    String portGroup;

    @Option(names = "--mac", description = "MAC of the VM behind it (for security policy).")
    String mac;

    @Override
    public Integer call() {
      Map<String, Object> port = new LinkedHashMap<>();
      port.put("name", name);
      port.put("devargs", devargs);
      if (portGroup != null) {
        port.put("port-group", portGroup);
      }
      if (mac != null) {
        port.put("mac", mac);
      }
      return ctl.finish(ctl.call("POST", "/v1/ports", ConfigJson.write(port)), ctl::printChange);
    }
  }

  @Command(name = "del-port", description = "Remove a port (closes the device).")
  static final class DelPort extends Sub {
    @Parameters(index = "0", description = "Port name.")
    String name;

    @Override
    public Integer call() {
      return ctl.finish(ctl.call("DELETE", "/v1/ports/" + name, null), ctl::printChange);
    }
  }

  @Command(name = "set-port-group", description = "Move a port to another port group.")
  static final class SetPortGroup extends Sub {
    @Parameters(index = "0", description = "Port name.")
    String name;

    @Parameters(index = "1", description = "Port group name.")
    String group;

    @Override
    public Integer call() {
      return ctl.finish(
          ctl.call("PUT", "/v1/ports/" + name + "/port-group", group), ctl::printChange);
    }
  }

  @Command(
      name = "apply",
      description = "Make the switch match FILE (YAML or JSON): only the differences are applied.")
  static final class Apply extends Sub {
    @Parameters(index = "0", description = "Config file.")
    Path file;

    @Override
    public Integer call() throws IOException {
      if (!Files.isReadable(file)) {
        ctl.spec.commandLine().getErr().println("vswitchctl: error: cannot read " + file);
        return EXIT_REFUSED;
      }
      return ctl.finish(ctl.call("PUT", "/v1/config", Files.readString(file)), ctl::printChange);
    }
  }

  /**
   * Reads the running config, lets {@code edit} change its JSON tree, and applies the result: the
   * ACL and QoS commands work this way, so they need no endpoint of their own and go through the
   * same whole-config validation as everything else.
   */
  int editConfig(
      String what,
      java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> edit) {
    Reply current = call("GET", "/v1/config", null);
    if (current.status() != 200) {
      return finish(current, null);
    }
    try {
      var tree =
          (com.fasterxml.jackson.databind.node.ObjectNode)
              ConfigJson.MAPPER.readTree(current.body());
      edit.accept(tree);
      return finish(call("PUT", "/v1/config", ConfigJson.write(tree)), this::printChange);
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("vswitchctl: error: " + what + ": " + e.getMessage());
      return EXIT_REFUSED;
    } catch (IOException e) {
      spec.commandLine().getErr().println("vswitchctl: error: bad reply: " + e.getMessage());
      return EXIT_FAILED;
    }
  }

  static com.fasterxml.jackson.databind.node.ObjectNode named(
      com.fasterxml.jackson.databind.node.ArrayNode array, String name, String kind) {
    for (JsonNode item : array) {
      if (item.path("name").asText().equals(name)) {
        return (com.fasterxml.jackson.databind.node.ObjectNode) item;
      }
    }
    throw new IllegalArgumentException("unknown " + kind + " '" + name + "'");
  }

  static JsonNode parseJson(String text, String what) {
    try {
      return ConfigJson.MAPPER.readTree(text);
    } catch (IOException e) {
      throw new IllegalArgumentException(what + " is not JSON: " + e.getMessage());
    }
  }

  @Command(
      name = "add-acl-rule",
      description =
          "Add a rule to an ACL (created with default allow if new). RULE is JSON, e.g."
              + " '{\"priority\":100,\"action\":\"deny\",\"protocol\":\"tcp\",\"dst-port\":\"80\"}'.")
  static final class AddAclRule extends Sub {
    @Parameters(index = "0", description = "ACL name.")
    String acl;

    @Parameters(index = "1", description = "The rule, as JSON.")
    String rule;

    @Override
    public Integer call() {
      return ctl.editConfig(
          "add-acl-rule",
          tree -> {
            JsonNode parsed = parseJson(rule, "RULE");
            var acls = tree.withArray("acls");
            com.fasterxml.jackson.databind.node.ObjectNode target;
            try {
              target = named(acls, acl, "ACL");
            } catch (IllegalArgumentException e) {
              target = acls.addObject().put("name", acl).put("default", "allow");
            }
            target.withArray("rules").add(parsed);
          });
    }
  }

  @Command(name = "del-acl-rule", description = "Remove the rule with PRIORITY from an ACL.")
  static final class DelAclRule extends Sub {
    @Parameters(index = "0", description = "ACL name.")
    String acl;

    @Parameters(index = "1", description = "The rule's priority.")
    long priority;

    @Override
    public Integer call() {
      return ctl.editConfig(
          "del-acl-rule",
          tree -> {
            var rules = named(tree.withArray("acls"), acl, "ACL").withArray("rules");
            for (int i = rules.size() - 1; i >= 0; i--) {
              if (rules.get(i).path("priority").asLong() == priority) {
                rules.remove(i);
                return;
              }
            }
            throw new IllegalArgumentException(
                "ACL '" + acl + "' has no rule with priority " + priority);
          });
    }
  }

  @Command(
      name = "set-qos",
      description =
          "Set a port group's QoS (JSON: ingress-policer, egress-shaper, mark), or 'none' to"
              + " remove it.")
  static final class SetQos extends Sub {
    @Parameters(index = "0", description = "Port group name.")
    String group;

    @Parameters(index = "1", description = "QoS as JSON, or none.")
    String qos;

    @Override
    public Integer call() {
      return ctl.editConfig(
          "set-qos",
          tree -> {
            var target = named(tree.withArray("port-groups"), group, "port group");
            if (qos.equals("none")) {
              target.remove("qos");
            } else {
              target.set("qos", parseJson(qos, "QOS"));
            }
          });
    }
  }

  @Command(name = "dump-fdb", description = "The forwarding database: VLAN, MAC, port, age.")
  static final class DumpFdb extends Sub {
    @Override
    public Integer call() {
      return ctl.finish(
          ctl.call("GET", "/v1/fdb", null),
          node -> {
            ctl.out().printf("%5s  %-17s  %-16s  %s%n", "vlan", "mac", "port", "age");
            for (JsonNode e : node) {
              ctl.out()
                  .printf(
                      "%5d  %-17s  %-16s  %s%n",
                      e.path("vlan").asInt(),
                      e.path("mac").asText(),
                      e.path("port").asText(),
                      e.path("age").asText());
            }
          });
    }
  }

  @Command(name = "counters", description = "Per-port counters and drops by reason.")
  static final class Counters extends Sub {
    @Override
    public Integer call() {
      return ctl.finish(
          ctl.call("GET", "/v1/ports", null),
          node -> {
            ctl.out()
                .printf(
                    "%-16s %14s %14s %14s %14s  %s%n",
                    "port", "rx_packets", "tx_packets", "tx_unicast", "tx_flood", "drops");
            for (JsonNode p : node) {
              ctl.out()
                  .printf(
                      "%-16s %14d %14d %14d %14d  %s%n",
                      p.path("name").asText(),
                      p.path("rx_packets").asLong(),
                      p.path("tx_packets").asLong(),
                      p.path("tx_unicast").asLong(),
                      p.path("tx_flood").asLong(),
                      p.path("drops"));
            }
          });
    }
  }

  @Command(name = "history", description = "Every accepted change (the journal, an audit log).")
  static final class History extends Sub {
    @Override
    public Integer call() {
      return ctl.finish(
          ctl.call("GET", "/v1/history", null),
          node -> {
            for (JsonNode r : node) {
              ctl.out()
                  .printf(
                      "#%-5d %s  %-24s %s%n",
                      r.path("sequence").asLong(),
                      java.time.Instant.ofEpochMilli(r.path("time-millis").asLong()),
                      r.path("source").asText(),
                      r.path("description").asText());
            }
          });
    }
  }

  @Command(name = "metrics", description = "The Prometheus metrics, as scraped.")
  static final class Metrics extends Sub {
    @Override
    public Integer call() {
      Reply reply = ctl.call("GET", "/metrics", null);
      if (reply.status() == 200) {
        ctl.out().print(reply.body());
        ctl.out().flush();
        return 0;
      }
      return ctl.finish(reply, null);
    }
  }
}
