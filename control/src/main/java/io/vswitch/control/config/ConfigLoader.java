package io.vswitch.control.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a {@link SwitchConfig} from YAML or JSON (JSON is YAML), strictly: unknown keys, duplicate
 * keys, aliases and null list entries fail, and so does input over {@link
 * ConfigLimits#MAX_CONFIG_BYTES} or not UTF-8, before any parser sees it. A file and an API request
 * body go through the same steps ({@link #text}, then {@link #parse}).
 */
public final class ConfigLoader {
  private static final StreamReadConstraints CONSTRAINTS =
      StreamReadConstraints.builder()
          .maxNestingDepth(ConfigLimits.MAX_NESTING)
          .maxStringLength(ConfigLimits.MAX_CONFIG_BYTES)
          .maxDocumentLength(ConfigLimits.MAX_CONFIG_BYTES)
          .build();
  private static final ObjectMapper YAML =
      strict(
          YAMLFactory.builder()
              .loaderOptions(YamlGuard.loaderOptions())
              .streamReadConstraints(CONSTRAINTS)
              .build());

  /**
   * JSON (what the journal and API clients write) is read by Jackson's own parser: linear, where
   * SnakeYAML is quadratic in the length of a run without spaces, and compact JSON is one run.
   */
  private static final ObjectMapper JSON =
      strict(JsonFactory.builder().streamReadConstraints(CONSTRAINTS).build());

  private static ObjectMapper strict(JsonFactory factory) {
    return new ObjectMapper(factory)
        .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
  }

  private ConfigLoader() {}

  /** The strict YAML/JSON mapper configs are read with. */
  public static ObjectMapper mapper() {
    return YAML;
  }

  public static SwitchConfig load(Path file) {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(ConfigLimits.MAX_CONFIG_BYTES + 1); // /dev/zero ends here too
    } catch (NoSuchFileException e) {
      throw new ConfigException("config file " + file + " does not exist");
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
    }
    return parse(text(bytes, file.toString()), file.toString());
  }

  /**
   * The config text of {@code bytes}: refused when larger than {@link
   * ConfigLimits#MAX_CONFIG_BYTES} or not UTF-8 (naming the line of the first bad byte); a UTF-8
   * byte-order mark is dropped. For request bodies too, so that both say the same.
   */
  public static String text(byte[] bytes, String source) {
    if (bytes.length > ConfigLimits.MAX_CONFIG_BYTES) {
      throw new ConfigException(
          source + " is larger than " + (ConfigLimits.MAX_CONFIG_BYTES >> 20) + " MiB");
    }
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      int at = in.position();
      int line = 1;
      for (int i = 0; i < at; i++) {
        line += bytes[i] == '\n' ? 1 : 0;
      }
      throw new ConfigException(
          source
              + " (line "
              + line
              + "): not UTF-8 text (byte 0x"
              + Integer.toHexString(bytes[at] & 0xff)
              + " at offset "
              + at
              + ")");
    }
    decoder.flush(out);
    String text = out.flip().toString();
    return text.startsWith("\uFEFF") ? text.substring(1) : text;
  }

  public static SwitchConfig parse(String text, String source) {
    SwitchConfig config = parse(text, SwitchConfig.class, source);
    if (config == null) {
      throw new ConfigException(source + " is empty");
    }
    return config;
  }

  /** Parses a whole config or one part of one (a port, a port group), with the same checks. */
  public static <T> T parse(String text, Class<T> type, String source) {
    if (text.length() > ConfigLimits.MAX_CONFIG_BYTES) {
      throw new ConfigException(
          source + " is larger than " + (ConfigLimits.MAX_CONFIG_BYTES >> 20) + " MiB");
    }
    try {
      JsonNode tree = jsonTree(text);
      if (tree != null) {
        requireNoNullEntries(tree, "", source);
        return JSON.treeToValue(tree, type);
      }
      YamlGuard.check(text, source);
      return YAML.readValue(text, type);
    } catch (UnrecognizedPropertyException e) {
      throw new ConfigException(
          source
              + ": unknown key "
              + Names.quote(e.getPropertyName())
              + " (line "
              + e.getLocation().getLineNr()
              + "); known keys here: "
              + e.getKnownPropertyIds());
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null || e.getLocation().getLineNr() < 0
              ? ""
              : " (line " + e.getLocation().getLineNr() + ")";
      throw new ConfigException(source + where + ": " + e.getOriginalMessage().split("\n")[0]);
    }
  }

  /**
   * The JSON tree of {@code text}, or null when it is not JSON: YAML (a flow map like {@code {name:
   * a}} too) then goes to the YAML path, which also names a duplicate key by its line.
   */
  private static JsonNode jsonTree(String text) throws JsonProcessingException {
    if (!text.stripLeading().startsWith("{")) {
      return null;
    }
    try {
      return JSON.readTree(text);
    } catch (JsonParseException e) {
      return null;
    }
  }

  /** JSON's counterpart of the YAML guard's null entry check (JSON has no aliases). */
  private static void requireNoNullEntries(JsonNode node, String path, String source) {
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        if (node.get(i).isNull()) {
          throw new ConfigException(
              source + ": " + path + "[" + i + "] is null: remove it or give a value");
        }
        requireNoNullEntries(node.get(i), path + "[" + i + "]", source);
      }
    } else if (node.isObject()) {
      for (var field : node.properties()) {
        requireNoNullEntries(
            field.getValue(),
            path.isEmpty() ? field.getKey() : path + "." + field.getKey(),
            source);
      }
    }
  }
}
