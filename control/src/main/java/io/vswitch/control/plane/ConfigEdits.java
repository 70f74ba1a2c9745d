package io.vswitch.control.plane;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.SwitchConfig;
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

  /** Removes the port and the static FDB entries that point at it. */
  public static SwitchConfig withoutPort(SwitchConfig config, String name) {
    requirePort(config, name);
    return edit(
        config,
        tree -> {
          removeWhere(ports(tree), "name", name);
          if (tree.path("fdb").path("static").isArray()) {
            removeWhere((ArrayNode) tree.path("fdb").path("static"), "port", name);
          }
        });
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
