package io.vswitch.control.plane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.vswitch.control.config.SwitchConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Says in words what a whole-config change did, for the audit log: "port vm3: port-group web ->
 * db", "add acl rule 10 to web-in: deny tcp dst-port 80", "remove port vm2". Named lists (ports,
 * port groups, ACLs) are compared item by item and ACL rules by priority, so a reordered list is no
 * change and a moved port is one line.
 */
public final class ChangeDescriber {
  private static final int MAX_LINES = 20;

  private ChangeDescriber() {}

  public static String describe(SwitchConfig from, SwitchConfig to) {
    List<String> lines = new ArrayList<>();
    diff("", tree(from), tree(to), lines);
    if (lines.isEmpty()) {
      return "no change";
    }
    if (lines.size() > MAX_LINES) {
      int more = lines.size() - MAX_LINES;
      lines = new ArrayList<>(lines.subList(0, MAX_LINES));
      lines.add("and " + more + " more");
    }
    return String.join("; ", lines);
  }

  private static JsonNode tree(SwitchConfig config) {
    return ConfigJson.MAPPER.valueToTree(config);
  }

  private static void diff(String path, JsonNode a, JsonNode b, List<String> lines) {
    if (a.equals(b)) {
      return;
    }
    if (a.isObject() && b.isObject()) {
      Set<String> keys = new LinkedHashSet<>();
      a.fieldNames().forEachRemaining(keys::add);
      b.fieldNames().forEachRemaining(keys::add);
      for (String key : keys) {
        diff(join(path, key), a.path(key), b.path(key), lines);
      }
      return;
    }
    String keyField = keyField(path, a, b);
    if (keyField != null) {
      diffKeyed(path, keyField, a, b, lines);
      return;
    }
    lines.add(path + " " + text(a) + " -> " + text(b));
  }

  /** ACL rules are known by priority, other lists of objects by name; null: compare whole. */
  private static String keyField(String path, JsonNode a, JsonNode b) {
    String key = path.endsWith(" rules") ? "priority" : "name";
    for (JsonNode list : List.of(a, b)) {
      if (!(list.isArray() || list.isMissingNode() || list.isNull())) {
        return null;
      }
      for (JsonNode item : list) {
        if (!item.isObject() || !item.has(key)) {
          return null;
        }
      }
    }
    return key;
  }

  private static void diffKeyed(
      String path, String keyField, JsonNode a, JsonNode b, List<String> lines) {
    Map<String, JsonNode> before = byKey(a, keyField);
    Map<String, JsonNode> after = byKey(b, keyField);
    boolean rules = path.startsWith("acl ") && path.endsWith(": rules");
    String acl = rules ? path.substring("acl ".length(), path.length() - ": rules".length()) : null;
    String kind =
        switch (path) {
          case "ports" -> "port";
          case "port-groups" -> "port-group";
          case "acls" -> "acl";
          case "mirrors" -> "mirror";
          case "security-groups" -> "security-group";
          case "teams" -> "team";
          case "overlay.segments" -> "segment";
          default -> path;
        };
    for (var e : before.entrySet()) {
      if (!after.containsKey(e.getKey())) {
        lines.add(
            rules
                ? "delete acl rule " + e.getKey() + " from " + acl + ": " + ruleText(e.getValue())
                : "remove " + kind + " " + e.getKey());
      }
    }
    for (var e : after.entrySet()) {
      JsonNode old = before.get(e.getKey());
      if (old == null) {
        lines.add(
            rules
                ? "add acl rule " + e.getKey() + " to " + acl + ": " + ruleText(e.getValue())
                : "add " + kind + " " + e.getKey());
      } else {
        String item = rules ? "acl " + acl + " rule " + e.getKey() : kind + " " + e.getKey();
        diff(item + ":", old, e.getValue(), lines);
      }
    }
  }

  private static String ruleText(JsonNode rule) {
    return ConfigEdits.ruleText(rule);
  }

  private static Map<String, JsonNode> byKey(JsonNode list, String keyField) {
    Map<String, JsonNode> map = new LinkedHashMap<>();
    for (JsonNode item : list) {
      map.put(item.get(keyField).asText(), item);
    }
    return map;
  }

  private static String join(String path, String key) {
    if (path.isEmpty()) {
      return key;
    }
    return path.endsWith(":") ? path + " " + key : path + "." + key;
  }

  private static String text(JsonNode value) {
    if (value == null || value instanceof MissingNode || value.isNull()) {
      return "(unset)";
    }
    return value.isTextual() ? value.asText() : value.toString();
  }
}
