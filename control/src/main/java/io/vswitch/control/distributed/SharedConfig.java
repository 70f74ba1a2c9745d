package io.vswitch.control.distributed;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.ConfigValidator;
import io.vswitch.control.config.OverlaySpecs;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.control.plane.ConfigJson;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The part of a switch's config that a distributed switch shares across its hosts: one JSON
 * document in etcd holding only the {@link #SECTIONS} (port groups, ACLs, security groups and the
 * overlay's segments), in the config file's kebab-case keys and shape (the segments as {@code
 * overlay: {segments: [...]}}). Everything else (EAL, workers, ports, FDB, mirrors, the journal,
 * the overlay's VTEP, UDP port, TTL and neighbors) stays in each host's own file. A host's running
 * config is its local config with these sections replaced by the document's, validated whole; a
 * section the document leaves out is empty on every host.
 *
 * <p>Segments: the document's replace the host file's {@code overlay.segments} (a host's own are
 * what it runs until it has the first revision, as for the other sections). A host needs {@code
 * overlay.vtep} in its file to take a revision with segments; one without refuses it. A segment's
 * {@code remote-vteps} in the document may list every host's VTEP: each host leaves out its own
 * address.
 *
 * <p>A new shared section is one more entry in {@link #SECTIONS}, a path of keys: the split and the
 * merge work on the JSON tree, so nothing else changes.
 */
public final class SharedConfig {
  /**
   * The config's sections that belong to the distributed switch, not to one host, as dotted paths
   * of keys (what the error messages and the guard of local changes name them).
   */
  public static final List<String> SECTIONS =
      List.of("port-groups", "acls", "security-groups", "overlay.segments");

  private static final String SEGMENTS = "overlay.segments";

  private SharedConfig() {}

  /** The shared sections of {@code config} as a document (what {@code config get} shows). */
  public static String extract(SwitchConfig config) {
    ObjectNode all = ConfigJson.MAPPER.valueToTree(config);
    ObjectNode shared = ConfigJson.MAPPER.createObjectNode();
    for (String section : SECTIONS) {
      JsonNode value = at(all, section);
      if (value != null && !(value.isArray() && value.isEmpty())) {
        put(shared, section, value);
      }
    }
    return ConfigJson.write(shared);
  }

  /** Whether two configs agree on every shared section. */
  public static boolean sameShared(SwitchConfig a, SwitchConfig b) {
    return extract(a).equals(extract(b));
  }

  /** The shared sections in which two configs differ, by path. */
  public static List<String> differing(SwitchConfig a, SwitchConfig b) {
    ObjectNode x = ConfigJson.MAPPER.valueToTree(a);
    ObjectNode y = ConfigJson.MAPPER.valueToTree(b);
    List<String> differ = new ArrayList<>();
    for (String section : SECTIONS) {
      if (!java.util.Objects.equals(empty(at(x, section)), empty(at(y, section)))) {
        differ.add(section);
      }
    }
    return differ;
  }

  /**
   * {@code local} with its shared sections replaced by {@code document}'s. The document is parsed
   * as strictly as a config file (YAML or JSON: size, UTF-8, duplicate keys, types) and may hold
   * only shared sections. Not validated: the caller validates the whole.
   *
   * @throws ConfigException the document is malformed, holds a host-local section, or has segments
   *     for a host without {@code overlay.vtep}
   */
  public static SwitchConfig merge(SwitchConfig local, String document, String source) {
    return merge(local, document, source, true);
  }

  private static SwitchConfig merge(
      SwitchConfig local, String document, String source, boolean leaveOutOwnVtep) {
    // Strict parse first: as a whole config (unknown keys, types, YAML's traps are refused there).
    SwitchConfig parsed = ConfigJson.read(document, source);
    ObjectNode given;
    try {
      JsonNode tree = ConfigJson.MAPPER.readTree(ConfigJson.write(parsed));
      given = (ObjectNode) tree;
    } catch (JsonProcessingException e) {
      throw new ConfigException(source + ": " + e.getOriginalMessage());
    }
    requireOnlyShared(document, source);
    ObjectNode merged = ConfigJson.MAPPER.valueToTree(local);
    for (String section : SECTIONS) {
      JsonNode value = at(given, section);
      if (section.equals(SEGMENTS)) {
        mergeSegments(local, merged, value, source, leaveOutOwnVtep);
      } else if (value == null) {
        merged.remove(section);
      } else {
        merged.set(section, value);
      }
    }
    return ConfigJson.read(ConfigJson.write(merged), source);
  }

  /** The document's segments into this host's overlay, its own VTEP out of their remote-vteps. */
  private static void mergeSegments(
      SwitchConfig local,
      ObjectNode merged,
      JsonNode segments,
      String source,
      boolean leaveOutOwnVtep) {
    boolean some = segments != null && !segments.isEmpty();
    if (local.overlay() == null) {
      if (some) {
        throw new ConfigException(
            source
                + ": it has overlay segments and this host has no overlay.vtep in its config file"
                + " to carry them: give the host a VTEP (overlay: {vtep: {port, address}}) and"
                + " restart it");
      }
      return;
    }
    ArrayNode out = ((ObjectNode) merged.get("overlay")).putArray("segments");
    if (!some) {
      return;
    }
    String own = null;
    if (leaveOutOwnVtep) {
      try {
        own = OverlaySpecs.dotted(OverlaySpecs.localIp(local.overlay()));
      } catch (ConfigException e) {
        // this host's VTEP is invalid: its own validation says so
      }
    }
    for (JsonNode s : segments) {
      ObjectNode segment = s.deepCopy();
      JsonNode remotes = segment.get("remote-vteps");
      if (own != null && remotes != null && remotes.isArray()) {
        ArrayNode kept = segment.putArray("remote-vteps");
        for (JsonNode r : remotes) {
          if (!r.isTextual() || !canonicalIp(r.asText()).equals(own)) {
            kept.add(r);
          }
        }
      }
      out.add(segment);
    }
  }

  private static String canonicalIp(String text) {
    try {
      return OverlaySpecs.dotted(ConfigValidator.ipv4(text, ""));
    } catch (ConfigException e) {
      return text; // not an address: validation refuses it, with its name
    }
  }

  /**
   * Checks a document on its own, as the CLI does before writing it: well formed, only shared
   * sections, and valid as the shared part of a switch (ACL rules, port groups' ACL and QoS
   * references, segments: VNIs, their port groups). What it means on one host (a port in a group
   * the document removed, a remote VTEP off that host's subnet) is that host's to check; it refuses
   * what does not fit it.
   *
   * @return the document in its canonical JSON form
   */
  public static String validate(String document, String source) {
    return validate(asConfig(document, source), source);
  }

  /**
   * The document as a whole config (two placeholder ports, one a VTEP, no host's): what a
   * single-item edit ({@code ConfigEdits}) works on before {@link #validate(SwitchConfig, String)}
   * and {@link #extract}. A null document (no shared config yet) is an empty one.
   */
  public static SwitchConfig asConfig(String document, String source) {
    SwitchConfig stub =
        ConfigJson.read(
            "{\"ports\":[{\"name\":\"validate-a\",\"devargs\":\"net_null_va\"},"
                + "{\"name\":\"validate-b\",\"devargs\":\"net_null_vb\"}],"
                // A VTEP that reaches any address (through its gateway), so that only what is
                // wrong on every host is refused here.
                + "\"overlay\":{\"vtep\":{\"port\":\"validate-a\",\"address\":\"127.0.0.1/8\","
                + "\"gateway\":\"127.0.0.2\"}}}",
            "the validation stub");
    return merge(stub, document == null ? "{}" : document, source, false);
  }

  /** Validates the shared sections of {@code merged} (see {@link #validate(String, String)}). */
  public static String validate(SwitchConfig merged, String source) {
    try {
      ConfigValidator.validate(merged, name -> false);
    } catch (ConfigException e) {
      throw new ConfigException(source + ": " + e.getMessage());
    }
    return extract(merged);
  }

  /** The node at a dotted path, or null. */
  private static JsonNode at(JsonNode root, String path) {
    JsonNode node = root;
    for (String key : path.split("\\.")) {
      node = node == null ? null : node.get(key);
    }
    return node;
  }

  private static void put(ObjectNode root, String path, JsonNode value) {
    String[] keys = path.split("\\.");
    ObjectNode node = root;
    for (int i = 0; i < keys.length - 1; i++) {
      node = node.has(keys[i]) ? (ObjectNode) node.get(keys[i]) : node.putObject(keys[i]);
    }
    node.set(keys[keys.length - 1], value);
  }

  /** An absent section and an empty one are the same (an overlay without segments has []). */
  private static JsonNode empty(JsonNode value) {
    return value == null || (value.isArray() && value.isEmpty()) ? null : value;
  }

  private static void requireOnlyShared(String document, String source) {
    JsonNode tree;
    try {
      tree =
          document.stripLeading().startsWith("{")
              ? ConfigJson.MAPPER.readTree(document)
              : new com.fasterxml.jackson.databind.ObjectMapper(
                      new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                  .readTree(document);
    } catch (JsonProcessingException e) {
      throw new ConfigException(source + ": " + e.getOriginalMessage());
    }
    if (tree == null || !tree.isObject()) {
      throw new ConfigException(source + ": the shared config is a mapping of sections");
    }
    for (Iterator<String> keys = tree.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (key.equals("overlay") && tree.get(key).isObject()) {
        for (Iterator<String> inner = tree.get(key).fieldNames(); inner.hasNext(); ) {
          String part = inner.next();
          if (!part.equals("segments")) {
            throw new ConfigException(
                source
                    + ": 'overlay."
                    + part
                    + "' is host-local (only overlay.segments are shared): put it in each host's"
                    + " own config file");
          }
        }
      } else if (!SECTIONS.contains(key)) {
        throw new ConfigException(
            source
                + ": '"
                + key
                + "' is host-local, not part of the distributed switch (shared: "
                + String.join(", ", SECTIONS)
                + "); put it in each host's own config file");
      }
    }
  }
}
