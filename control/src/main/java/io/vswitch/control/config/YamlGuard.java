package io.vswitch.control.config;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;

/**
 * Walks a config's YAML events once, before Jackson maps it, and refuses what Jackson would
 * silently get wrong: a duplicate key (Jackson keeps the last, so a second {@code ports:} replaced
 * the first), an alias (Jackson maps {@code *db} to the string "db", not the anchor's value), an
 * anchor (useless without aliases), a null list entry (a Java exception text), nesting deeper than
 * {@link ConfigLimits#MAX_NESTING}, and a second document (Jackson would read only the first).
 * Linear in the input; each refusal is one line with the line number.
 */
final class YamlGuard {
  private static final Set<String> NULLS = Set.of("", "~", "null", "Null", "NULL");

  private YamlGuard() {}

  /** One open collection: a mapping alternates key, value; a sequence holds entries. */
  private static final class Frame {
    final boolean mapping;
    final Set<String> keys = new HashSet<>();
    int items;

    Frame(boolean mapping) {
      this.mapping = mapping;
    }

    boolean atKey() {
      return mapping && items % 2 == 0;
    }
  }

  static LoaderOptions loaderOptions() {
    LoaderOptions options = new LoaderOptions();
    options.setCodePointLimit(ConfigLimits.MAX_CONFIG_BYTES);
    options.setNestingDepthLimit(ConfigLimits.MAX_NESTING);
    options.setMaxAliasesForCollections(0);
    options.setAllowDuplicateKeys(false);
    options.setAllowRecursiveKeys(false);
    return options;
  }

  /**
   * Longest run of characters without whitespace in YAML: SnakeYAML's reader copies its window for
   * every 1,024 characters of a token, quadratic in the token's length (a 1 MB scalar took
   * seconds); no config value comes near this.
   */
  static final int MAX_WORD = 16 << 10;

  static void check(String text, String source) {
    requireShortWords(text, source);
    try {
      walk(new ParserImpl(new StreamReader(text), loaderOptions()), source);
    } catch (MarkedYAMLException e) {
      int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
      throw new ConfigException(source + " (line " + line + "): " + e.getProblem());
    } catch (YAMLException e) {
      throw new ConfigException(source + ": " + e.getMessage().split("\n")[0]);
    }
  }

  private static void requireShortWords(String text, String source) {
    int run = 0;
    int line = 1;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      line += c == '\n' ? 1 : 0;
      run = Character.isWhitespace(c) ? 0 : run + 1;
      if (run > MAX_WORD) {
        throw new ConfigException(
            source
                + " (line "
                + line
                + "): a value of more than "
                + MAX_WORD
                + " characters without a space; no config value is that long");
      }
    }
  }

  private static void walk(ParserImpl parser, String source) {
    Deque<Frame> open = new ArrayDeque<>();
    int documents = 0;
    while (true) {
      Event event = parser.getEvent();
      String at = source + " (line " + (event.getStartMark().getLine() + 1) + ")";
      switch (event.getEventId()) {
        case StreamEnd -> {
          return;
        }
        case DocumentStart -> {
          if (++documents > 1) {
            throw new ConfigException(at + ": a second YAML document (---): give one config");
          }
        }
        case Alias ->
            throw new ConfigException(
                at
                    + ": YAML alias *"
                    + ((AliasEvent) event).getAnchor()
                    + " is not supported: write the value out");
        case Scalar, SequenceStart, MappingStart -> {
          String anchor = ((NodeEvent) event).getAnchor();
          if (anchor != null) {
            throw new ConfigException(
                at + ": YAML anchor &" + anchor + " is not supported: write the value out");
          }
          node(open.peek(), event, at);
          if (event.getEventId() != Event.ID.Scalar) {
            open.push(new Frame(event.getEventId() == Event.ID.MappingStart));
            if (open.size() > ConfigLimits.MAX_NESTING) {
              throw new ConfigException(
                  at + ": nested deeper than " + ConfigLimits.MAX_NESTING + " levels");
            }
          }
        }
        case SequenceEnd, MappingEnd -> open.pop();
        default -> {}
      }
    }
  }

  /** Checks one node against the collection it is in, and counts it there. */
  private static void node(Frame parent, Event event, String at) {
    if (parent == null) {
      return;
    }
    boolean scalar = event instanceof ScalarEvent;
    if (parent.atKey()) {
      if (!scalar) {
        throw new ConfigException(at + ": a key must be a plain name, not a list or map");
      }
      String key = ((ScalarEvent) event).getValue();
      if (!parent.keys.add(key)) {
        throw new ConfigException(
            at + ": duplicate key " + Names.quote(key) + ": give each key once");
      }
    } else if (!parent.mapping && scalar && isNull((ScalarEvent) event)) {
      throw new ConfigException(at + ": empty (null) list entry: remove it or give a value");
    }
    parent.items++;
  }

  private static boolean isNull(ScalarEvent scalar) {
    return scalar.getImplicit().canOmitTagInPlainScalar() && NULLS.contains(scalar.getValue());
  }
}
