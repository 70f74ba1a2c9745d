package io.vswitch.control.distributed;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.ConfigValidator;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.control.plane.ConfigJson;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The part of a switch's config that a distributed switch shares across its hosts: one JSON
 * document in etcd holding only the {@link #SECTIONS} (port groups, ACLs, security groups), in the
 * config file's kebab-case keys. Everything else (EAL, workers, ports, FDB, mirrors, the journal)
 * stays in each host's own file. A host's running config is its local config with these sections
 * replaced by the document's, validated whole; a section the document leaves out is empty on every
 * host.
 *
 * <p>A new shared section (segments, security groups) is one more entry in {@link #SECTIONS}: the
 * split and the merge work on the JSON tree, so nothing else changes.
 */
public final class SharedConfig {
  /** The config's top-level keys that belong to the distributed switch, not to one host. */
  public static final List<String> SECTIONS = List.of("port-groups", "acls", "security-groups");

  private SharedConfig() {}

  /** The shared sections of {@code config} as a document (what {@code config get} shows). */
  public static String extract(SwitchConfig config) {
    ObjectNode all = ConfigJson.MAPPER.valueToTree(config);
    ObjectNode shared = ConfigJson.MAPPER.createObjectNode();
    for (String section : SECTIONS) {
      JsonNode value = all.get(section);
      if (value != null && !(value.isArray() && value.isEmpty())) {
        shared.set(section, value);
      }
    }
    return ConfigJson.write(shared);
  }

  /** Whether two configs agree on every shared section. */
  public static boolean sameShared(SwitchConfig a, SwitchConfig b) {
    return extract(a).equals(extract(b));
  }

  /** The shared sections in which two configs differ, by key. */
  public static List<String> differing(SwitchConfig a, SwitchConfig b) {
    ObjectNode x = ConfigJson.MAPPER.valueToTree(a);
    ObjectNode y = ConfigJson.MAPPER.valueToTree(b);
    List<String> differ = new ArrayList<>();
    for (String section : SECTIONS) {
      if (!java.util.Objects.equals(x.get(section), y.get(section))) {
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
   * @throws ConfigException the document is malformed or holds a host-local section
   */
  public static SwitchConfig merge(SwitchConfig local, String document, String source) {
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
      JsonNode value = given.get(section);
      if (value == null) {
        merged.remove(section);
      } else {
        merged.set(section, value);
      }
    }
    return ConfigJson.read(ConfigJson.write(merged), source);
  }

  /**
   * Checks a document on its own, as the CLI does before writing it: well formed, only shared
   * sections, and valid as the shared part of a switch (ACL rules, port groups' ACL and QoS
   * references). What it means on one host (a port in a group the document removed) is that host's
   * to check; it refuses what does not fit it.
   *
   * @return the document in its canonical JSON form
   */
  public static String validate(String document, String source) {
    return validate(asConfig(document, source), source);
  }

  /**
   * The document as a whole config (two placeholder ports, no host's): what a single-item edit
   * ({@code ConfigEdits}) works on before {@link #validate(SwitchConfig, String)} and {@link
   * #extract}. A null document (no shared config yet) is an empty one.
   */
  public static SwitchConfig asConfig(String document, String source) {
    SwitchConfig stub =
        ConfigJson.read(
            "{\"ports\":[{\"name\":\"validate-a\",\"devargs\":\"net_null_va\"},"
                + "{\"name\":\"validate-b\",\"devargs\":\"net_null_vb\"}]}",
            "the validation stub");
    return merge(stub, document == null ? "{}" : document, source);
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
      if (!SECTIONS.contains(key)) {
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
