package io.vswitch.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.ConfigLimits;
import io.vswitch.control.config.Names;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.control.distributed.EtcdStore;
import io.vswitch.control.distributed.SharedConfig;
import io.vswitch.control.plane.ConfigEdits;
import io.vswitch.control.plane.ConfigJson;
import io.vswitch.control.plane.ControlPlane;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code vswitchctl --etcd URL --switch NAME ...}: the distributed switch's shared config in etcd,
 * not one host. {@code config get} prints it (its revision on stderr), {@code config set FILE}
 * validates FILE locally and writes it only if the config is still at the revision it read (or
 * {@code --if-revision N}): a compare-and-set, so of two concurrent writers one wins and the other
 * is told to read again, never silently overwritten. {@code hosts} lists the hosts whose records
 * are alive (their leases).
 *
 * <p>It uses jetcd and Jackson, so it runs with the control module's libraries on the class path
 * (scripts/vswitchctl puts them there when --etcd is given); the plain host commands stay light.
 */
final class DistributedCommands {
  private final List<String> endpoints;
  private final String switchName;
  private final boolean json;
  private final PrintWriter out;
  private final PrintWriter err;

  DistributedCommands(
      List<String> endpoints, String switchName, boolean json, PrintWriter out, PrintWriter err) {
    this.endpoints = endpoints;
    this.switchName = switchName;
    this.json = json;
    this.out = out;
    this.err = err;
  }

  int run(VswitchCtl.Args args) {
    if (switchName == null) {
      throw new VswitchCtl.UsageException("--etcd needs --switch NAME");
    }
    if (!Names.isValid(switchName)) {
      throw new VswitchCtl.UsageException(
          "switch " + Names.quote(switchName) + " is not a valid name");
    }
    String command = args.next("a command (config get|set FILE, hosts)");
    try (EtcdStore store = open()) {
      return switch (command) {
        case "config" -> {
          String what = args.next("config get or config set FILE");
          yield switch (what) {
            case "get" -> {
              args.end();
              yield get(store);
            }
            case "set" -> set(store, args);
            default -> throw new VswitchCtl.UsageException("unknown config command '" + what + "'");
          };
        }
        case "hosts" -> {
          args.end();
          yield hosts(store);
        }
        case "add-acl-rule" -> {
          String acl = args.next("the ACL name");
          String rule = args.next("the rule (JSON)");
          args.end();
          yield edit(store, c -> ConfigEdits.withAclRule(c, acl, rule));
        }
        case "del-acl-rule" -> {
          String acl = args.next("the ACL name");
          String priority = args.next("the rule's priority");
          args.end();
          if (!priority.matches("[0-9]{1,9}")) {
            throw new VswitchCtl.UsageException("a priority is a number, not '" + priority + "'");
          }
          yield edit(store, c -> ConfigEdits.withoutAclRule(c, acl, Long.parseLong(priority)));
        }
        case "set-qos" -> {
          String group = args.next("the port group");
          String qos = args.next("the QoS (JSON) or none");
          args.end();
          yield edit(store, c -> ConfigEdits.withQos(c, group, qos.equals("none") ? null : qos));
        }
        case "add-segment" -> {
          String segment = args.next("the segment (JSON: {name, vni, port-groups})");
          args.end();
          yield edit(store, c -> ConfigEdits.withSegment(c, segment));
        }
        case "del-segment" -> {
          String segment = args.next("the segment's name");
          args.end();
          yield edit(store, c -> ConfigEdits.withoutSegment(c, segment));
        }
        default ->
            throw new VswitchCtl.UsageException(
                "unknown command '"
                    + command
                    + "' with --etcd (config get|set FILE, hosts, add-acl-rule, del-acl-rule,"
                    + " set-qos, add-segment, del-segment)");
      };
    } catch (EtcdStore.EtcdException e) {
      err.println("vswitchctl: " + e.getMessage());
      return VswitchCtl.EXIT_FAILED;
    }
  }

  private EtcdStore open() {
    try {
      return new EtcdStore(endpoints);
    } catch (IllegalArgumentException e) {
      throw new VswitchCtl.UsageException(e.getMessage());
    }
  }

  private int get(EtcdStore store) {
    EtcdStore.Versioned v = store.get(EtcdStore.configKey(switchName));
    JsonNode doc = v.value() == null ? ConfigJson.MAPPER.createObjectNode() : tree(v.value());
    if (json) {
      ObjectNode answer = ConfigJson.MAPPER.createObjectNode();
      answer.put("switch", switchName);
      answer.put("revision", v.modRevision());
      answer.set("config", doc);
      out.println(ConfigJson.write(answer));
    } else {
      out.println(pretty(doc));
      err.println(
          v.value() == null
              ? "vswitchctl: switch " + switchName + " has no shared config yet (revision 0)"
              : "vswitchctl: switch " + switchName + " at revision " + v.modRevision());
    }
    return 0;
  }

  private int set(EtcdStore store, VswitchCtl.Args args) {
    Path file = Path.of(args.next("the file to set"));
    Long expected = null;
    while (args.more()) {
      String option = args.nextOption();
      if (!option.equals("--if-revision")) {
        throw new VswitchCtl.UsageException("unknown option '" + option + "'");
      }
      String n = args.next("the revision");
      if (!n.matches("[0-9]{1,18}")) {
        throw new VswitchCtl.UsageException(
            "--if-revision takes a revision number, not '" + n + "'");
      }
      expected = Long.parseLong(n);
    }
    String canonical;
    try {
      canonical = SharedConfig.validate(read(file), file.toString());
    } catch (ConfigException e) {
      err.println("vswitchctl: refused: " + e.getMessage());
      return VswitchCtl.EXIT_REFUSED;
    }
    String key = EtcdStore.configKey(switchName);
    EtcdStore.Versioned now = store.get(key);
    long at = expected != null ? expected : now.modRevision();
    if (expected == null && canonical.equals(now.value())) {
      err.println("vswitchctl: no change (switch " + switchName + " at revision " + at + ")");
      return 0;
    }
    Optional<Long> written = store.putIfRevision(key, canonical, at);
    if (written.isEmpty()) {
      long current = store.get(key).modRevision();
      err.println(
          "vswitchctl: conflict: the shared config of switch "
              + switchName
              + " changed since revision "
              + at
              + " (it is at "
              + current
              + "): read it again (config get) and redo your edit; nothing written");
      return VswitchCtl.EXIT_FAILED;
    }
    out.println(
        json
            ? "{\"switch\":\"" + switchName + "\",\"revision\":" + written.get() + "}"
            : "switch " + switchName + ": revision " + written.get());
    return 0;
  }

  /**
   * A single-item edit of the shared config: read, edit, validate, compare-and-set; on a conflict
   * (another writer came first) read again and redo, so concurrent edits all land.
   */
  private int edit(EtcdStore store, Function<SwitchConfig, ControlPlane.Change> edit) {
    String key = EtcdStore.configKey(switchName);
    for (int attempt = 0; attempt < 20; attempt++) {
      EtcdStore.Versioned now = store.get(key);
      String canonical;
      String description;
      try {
        ControlPlane.Change change =
            edit.apply(SharedConfig.asConfig(now.value(), "revision " + now.modRevision()));
        canonical = SharedConfig.validate(change.config(), "the edited config");
        description = change.description();
      } catch (ConfigException e) {
        err.println("vswitchctl: refused: " + e.getMessage());
        return VswitchCtl.EXIT_REFUSED;
      }
      if (canonical.equals(now.value())) {
        err.println(
            "vswitchctl: no change (switch "
                + switchName
                + " at revision "
                + now.modRevision()
                + ")");
        return 0;
      }
      Optional<Long> written = store.putIfRevision(key, canonical, now.modRevision());
      if (written.isPresent()) {
        out.println(
            json
                ? "{\"switch\":\"" + switchName + "\",\"revision\":" + written.get() + "}"
                : "switch "
                    + switchName
                    + ": revision "
                    + written.get()
                    + " ("
                    + description
                    + ")");
        return 0;
      }
    }
    err.println(
        "vswitchctl: conflict: the shared config of switch "
            + switchName
            + " kept changing under 20 attempts; nothing written");
    return VswitchCtl.EXIT_FAILED;
  }

  private int hosts(EtcdStore store) {
    Map<String, String> hosts = store.list(EtcdStore.hostsPrefix(switchName));
    if (json) {
      ObjectNode all = ConfigJson.MAPPER.createObjectNode();
      hosts.forEach((name, record) -> all.set(name, tree(record)));
      out.println(ConfigJson.write(all));
      return 0;
    }
    out.printf("%-20s %-9s %-8s %-32s %s%n", "HOST", "REVISION", "STATUS", "API", "PORTS");
    hosts.forEach(
        (name, record) -> {
          JsonNode r = tree(record);
          StringBuilder ports = new StringBuilder();
          for (JsonNode p : r.path("ports")) {
            ports.append(ports.isEmpty() ? "" : " ").append(p.path("name").asText());
            if (p.has("port-group")) {
              ports.append('(').append(p.path("port-group").asText()).append(')');
            }
          }
          out.printf(
              "%-20s %-9d %-8s %-32s %s%n",
              VswitchCtl.printable(name),
              r.path("revision").asLong(),
              VswitchCtl.printable(r.path("status").asText()),
              VswitchCtl.printable(r.path("api").asText()),
              VswitchCtl.printable(ports.toString()));
          if (r.has("vtep")) {
            StringBuilder vnis = new StringBuilder();
            r.path("vnis").forEach(v -> vnis.append(vnis.isEmpty() ? "" : ",").append(v.asText()));
            StringBuilder geneve = new StringBuilder();
            r.path("geneve-vnis")
                .forEach(v -> geneve.append(geneve.isEmpty() ? "" : ",").append(v.asText()));
            out.println(
                "  vtep "
                    + VswitchCtl.printable(r.path("vtep").asText())
                    + " vnis "
                    + (vnis.isEmpty() ? "none" : VswitchCtl.printable(vnis.toString()))
                    + (geneve.isEmpty()
                        ? ""
                        : " geneve-vnis " + VswitchCtl.printable(geneve.toString())));
          }
          if (r.has("detail")) {
            out.println("  " + VswitchCtl.printable(r.path("detail").asText()));
          }
        });
    return 0;
  }

  private static String read(Path file) {
    try {
      if (Files.size(file) > ConfigLimits.MAX_CONFIG_BYTES) {
        throw new ConfigException(
            file + ": over " + ConfigLimits.MAX_CONFIG_BYTES + " bytes, not a config");
      }
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
          .toString();
    } catch (CharacterCodingException e) {
      throw new ConfigException(file + ": not UTF-8");
    } catch (IOException e) {
      throw new ConfigException("cannot read " + file + ": " + e.getMessage());
    }
  }

  private static JsonNode tree(String text) {
    try {
      return ConfigJson.MAPPER.readTree(text);
    } catch (IOException e) {
      return ConfigJson.MAPPER.getNodeFactory().textNode(text);
    }
  }

  private static String pretty(JsonNode node) {
    try {
      return ConfigJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (IOException e) {
      return node.toString();
    }
  }
}
