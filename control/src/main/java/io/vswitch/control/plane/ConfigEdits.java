package io.vswitch.control.plane;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.Overlay;
import io.vswitch.control.config.SwitchConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The single-item operations of the CLI and the API, each expressed as a new whole config, so that
 * every change, small or large, goes through the same validation and the same apply. Edits work on
 * the config's JSON tree, so they keep every setting they do not touch, including ones added to the
 * schema later.
 */
public final class ConfigEdits {
  private ConfigEdits() {}

  public static SwitchConfig withPort(SwitchConfig config, SwitchConfig.Port port) {
    if (find(config, port.name()) != null) {
      throw new ConfigException("port name '" + port.name() + "' is already in use");
    }
    return edit(config, tree -> ports(tree).add(ConfigJson.MAPPER.valueToTree(port)));
  }

  /**
   * Removes the port, the static FDB entries that point at it, and it from mirrors: a mirror it was
   * the destination (or ERSPAN via port) of, or the only source of, goes with it.
   */
  public static SwitchConfig withoutPort(SwitchConfig config, String name) {
    requirePort(config, name);
    SwitchConfig without = withoutPortItself(config, name);
    List<SwitchConfig.Mirror> mirrors = new ArrayList<>();
    for (SwitchConfig.Mirror m : without.mirrors()) {
      List<String> sources = m.sources().stream().filter(s -> !s.equals(name)).toList();
      SwitchConfig.MirrorDestination d = m.destination();
      boolean through = d.erspan() != null && name.equals(d.erspan().via());
      if (!sources.isEmpty() && !name.equals(d.port()) && !through) {
        mirrors.add(
            new SwitchConfig.Mirror(
                m.name(), sources, m.direction(), m.destination(), m.vlans(), m.truncate()));
      }
    }
    return new SwitchConfig(
        without.eal(),
        without.workers(),
        without.portGroups(),
        without.ports(),
        without.fdb(),
        without.crossConnect(),
        without.acls(),
        mirrors,
        without.conntrack(),
        without.securityGroups(),
        without.etcd(),
        without.ipfix(),
        without.overlay(),
        without.teams().stream().map(t -> withoutMember(t, name)).toList());
  }

  /** A team without port {@code name} (a team left empty is refused by validation). */
  private static SwitchConfig.Team withoutMember(SwitchConfig.Team t, String name) {
    if (!t.members().contains(name)) {
      return t;
    }
    return new SwitchConfig.Team(
        t.name(),
        t.members().stream().filter(m -> !m.equals(name)).toList(),
        t.portGroup(),
        t.policy(),
        t.active().stream().filter(m -> !m.equals(name)).toList(),
        t.standby().stream().filter(m -> !m.equals(name)).toList(),
        t.failback(),
        t.detection(),
        t.probe(),
        t.notifySwitches(),
        t.lacp());
  }

  private static SwitchConfig withoutPortItself(SwitchConfig config, String name) {
    return edit(
        config,
        tree -> {
          removeWhere(ports(tree), "name", name);
          if (tree.path("fdb").path("static").isArray()) {
            removeWhere((ArrayNode) tree.path("fdb").path("static"), "port", name);
          }
          // a security group lists it no more; one left with no members at all is refused
          for (JsonNode g : tree.withArray("security-groups")) {
            if (g.path("ports").isArray()) {
              ArrayNode ports = (ArrayNode) g.path("ports");
              for (int i = ports.size() - 1; i >= 0; i--) {
                if (ports.get(i).asText().equals(name)) {
                  ports.remove(i);
                }
              }
            }
          }
        });
  }

  /**
   * Sets a port's tags (its dynamic security-group memberships), replacing the list: the change
   * that moves a VM into or out of tag-based groups.
   */
  public static ControlPlane.Change withTags(SwitchConfig config, String port, String tagsJson) {
    SwitchConfig.Port before = find(config, port);
    if (before == null) {
      throw new ConfigException("unknown port '" + port + "'");
    }
    JsonNode tags = parse(tagsJson, "the tags");
    if (!tags.isArray()) {
      throw new ConfigException("the tags must be a JSON list of names, e.g. [\"web\"]");
    }
    for (JsonNode tag : tags) {
      if (!tag.isTextual()) {
        throw new ConfigException("the tags must be a JSON list of names, e.g. [\"web\"]");
      }
    }
    SwitchConfig edited =
        edit(
            config,
            tree -> {
              for (JsonNode p : ports(tree)) {
                if (p.path("name").asText().equals(port)) {
                  ((ObjectNode) p).set("tags", tags);
                }
              }
            });
    return new ControlPlane.Change(
        edited, "port " + port + ": tags " + before.tags() + " -> " + find(edited, port).tags());
  }

  public static SwitchConfig withPortGroup(SwitchConfig config, String port, String group) {
    requirePort(config, port);
    return edit(
        config,
        tree -> {
          for (JsonNode p : ports(tree)) {
            if (p.path("name").asText().equals(port)) {
              ((ObjectNode) p).put("port-group", group);
            }
          }
        });
  }

  /**
   * Adds {@code rule} (JSON) to ACL {@code acl}, creating the ACL (default allow) when it is new. A
   * rule with the same priority is refused: priorities order the rules, and a second one would make
   * the order ambiguous.
   */
  public static ControlPlane.Change withAclRule(SwitchConfig config, String acl, String ruleJson) {
    JsonNode rule = parse(ruleJson, "the rule");
    if (!rule.isObject()) {
      throw new ConfigException("the rule must be a JSON object, e.g. {\"priority\":10,...}");
    }
    long priority = rule.path("priority").asLong(-1);
    SwitchConfig edited =
        edit(
            config,
            tree -> {
              ObjectNode target = named(tree.withArray("acls"), acl);
              if (target == null) {
                target =
                    tree.withArray("acls").addObject().put("name", acl).put("default", "allow");
              }
              for (JsonNode r : target.withArray("rules")) {
                if (rule.has("priority") && r.path("priority").asLong() == priority) {
                  throw new ConfigException(
                      "ACL '" + acl + "' already has a rule with priority " + priority);
                }
              }
              target.withArray("rules").add(rule);
            });
    return new ControlPlane.Change(
        edited,
        "add acl rule " + rule.path("priority").asText("?") + " to " + acl + ": " + ruleText(rule));
  }

  public static ControlPlane.Change withoutAclRule(SwitchConfig config, String acl, long priority) {
    String[] removed = new String[1];
    SwitchConfig edited =
        edit(
            config,
            tree -> {
              ArrayNode rules = requireNamed(tree.withArray("acls"), acl, "ACL").withArray("rules");
              for (int i = rules.size() - 1; i >= 0; i--) {
                if (rules.get(i).path("priority").asLong() == priority) {
                  removed[0] = ruleText(rules.get(i));
                  rules.remove(i);
                  return;
                }
              }
              throw new ConfigException("ACL '" + acl + "' has no rule with priority " + priority);
            });
    return new ControlPlane.Change(
        edited, "delete acl rule " + priority + " from " + acl + ": " + removed[0]);
  }

  /** Sets a port group's QoS ({@code qosJson}), or removes it when null. */
  public static ControlPlane.Change withQos(SwitchConfig config, String group, String qosJson) {
    JsonNode qos = qosJson == null ? null : parse(qosJson, "the QoS");
    String[] before = new String[1];
    SwitchConfig edited =
        edit(
            config,
            tree -> {
              ObjectNode target = requireNamed(tree.withArray("port-groups"), group, "port group");
              before[0] = target.has("qos") ? target.get("qos").toString() : "none";
              if (qos == null) {
                target.remove("qos");
              } else {
                target.set("qos", qos);
              }
            });
    return new ControlPlane.Change(
        edited,
        "port-group " + group + ": qos " + before[0] + " -> " + (qos == null ? "none" : qos));
  }

  /**
   * Adds overlay segment {@code segmentJson} ({@code {name, vni, port-groups, remote-vteps}}); one
   * of the same name is refused (delete it first: a VNI change is then two steps, each valid).
   */
  public static ControlPlane.Change withSegment(SwitchConfig config, String segmentJson) {
    Overlay.Segment segment = ConfigJson.read(segmentJson, Overlay.Segment.class, "the segment");
    if (segment.name() == null) {
      throw new ConfigException("the segment needs a name: {\"name\":..,\"vni\":..,..}");
    }
    SwitchConfig edited =
        edit(
            config,
            tree -> {
              ArrayNode segments = segments(tree);
              if (named(segments, segment.name()) != null) {
                throw new ConfigException(
                    "segment '" + segment.name() + "' exists already: del-segment it first");
              }
              segments.add(ConfigJson.MAPPER.<JsonNode>valueToTree(segment));
            });
    return new ControlPlane.Change(
        edited,
        "add segment "
            + segment.name()
            + " vni "
            + segment.vni()
            + " port-groups "
            + segment.portGroups());
  }

  public static ControlPlane.Change withoutSegment(SwitchConfig config, String name) {
    SwitchConfig edited =
        edit(
            config,
            tree -> {
              ArrayNode segments = segments(tree);
              requireNamed(segments, name, "segment");
              removeWhere(segments, "name", name);
            });
    return new ControlPlane.Change(edited, "delete segment " + name);
  }

  private static ArrayNode segments(ObjectNode tree) {
    JsonNode overlay = tree.get("overlay");
    if (overlay == null || !overlay.isObject()) {
      throw new ConfigException("no overlay: segments need overlay.vtep in the config");
    }
    return ((ObjectNode) overlay).withArray("segments");
  }

  /** A rule in words: "deny tcp dst-port 80" (action, protocol, then each match field set). */
  static String ruleText(JsonNode rule) {
    StringBuilder text = new StringBuilder(rule.path("action").asText("?"));
    if (rule.has("protocol")) {
      text.append(' ').append(rule.get("protocol").asText());
    }
    rule.properties()
        .forEach(
            e -> {
              String key = e.getKey();
              if (!key.equals("priority") && !key.equals("action") && !key.equals("protocol")) {
                text.append(' ').append(key).append(' ').append(e.getValue().asText());
              }
            });
    return text.toString();
  }

  private static JsonNode parse(String json, String what) {
    try {
      return ConfigJson.MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new ConfigException(what + " is not JSON: " + e.getOriginalMessage());
    }
  }

  private static ObjectNode named(ArrayNode array, String name) {
    for (JsonNode item : array) {
      if (item.path("name").asText().equals(name)) {
        return (ObjectNode) item;
      }
    }
    return null;
  }

  private static ObjectNode requireNamed(ArrayNode array, String name, String kind) {
    ObjectNode item = named(array, name);
    if (item == null) {
      throw new ConfigException("unknown " + kind + " '" + name + "'");
    }
    return item;
  }

  private static SwitchConfig edit(SwitchConfig config, Consumer<ObjectNode> change) {
    ObjectNode tree = ConfigJson.MAPPER.valueToTree(config);
    change.accept(tree);
    try {
      return ConfigJson.MAPPER.treeToValue(tree, SwitchConfig.class);
    } catch (JsonProcessingException e) {
      throw new ConfigException(e.getOriginalMessage());
    }
  }

  private static ArrayNode ports(ObjectNode tree) {
    return tree.withArray("ports");
  }

  private static void removeWhere(ArrayNode array, String field, String value) {
    for (int i = array.size() - 1; i >= 0; i--) {
      if (array.get(i).path(field).asText().equals(value)) {
        array.remove(i);
      }
    }
  }

  private static void requirePort(SwitchConfig config, String name) {
    if (find(config, name) == null) {
      throw new ConfigException("unknown port '" + name + "'");
    }
  }

  static SwitchConfig.Port find(SwitchConfig config, String name) {
    return config.ports().stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
  }
}
