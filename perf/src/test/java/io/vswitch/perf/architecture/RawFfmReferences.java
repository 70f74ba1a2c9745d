package io.vswitch.perf.architecture;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds the classes of io.vswitch.ffm.raw that a compiled class refers to, from its constant pool:
 * every type a class uses (a call, a field, a cast, a parameter or field type, a signature) is
 * named there in internal form, whatever the source looked like (imports, fully qualified names,
 * {@code var}). String literals are not references and are left out, so a class may mention the
 * package in a message.
 */
final class RawFfmReferences {
  private static final Pattern RAW = Pattern.compile("io/vswitch/ffm/raw/[A-Za-z0-9_$]+");

  private RawFfmReferences() {}

  /** For every class file under {@code dir}: its name and the raw classes it uses, if any. */
  static Map<String, Set<String>> under(Path dir) {
    Map<String, Set<String>> found = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
        Set<String> raw = in(Files.readAllBytes(file));
        if (!raw.isEmpty()) {
          found.put(dir.relativize(file).toString(), raw);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return found;
  }

  /** The raw classes (dotted names) one class file uses. */
  static Set<String> in(byte[] classFile) {
    try {
      return scan(new DataInputStream(new ByteArrayInputStream(classFile)));
    } catch (IOException e) {
      throw new IllegalArgumentException("not a class file", e);
    }
  }

  private static Set<String> scan(DataInputStream in) throws IOException {
    if (in.readInt() != 0xCAFEBABE) {
      throw new IOException("bad magic");
    }
    in.readUnsignedShort(); // minor
    in.readUnsignedShort(); // major
    int count = in.readUnsignedShort();
    String[] utf8 = new String[count];
    BitSet literal = new BitSet(count); // Utf8 entries a CONSTANT_String points at
    BitSet named = new BitSet(count); // Utf8 entries a CONSTANT_Class points at
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case 1 -> utf8[i] = in.readUTF(); // u2 length + modified UTF-8, as readUTF expects
        case 7 -> named.set(in.readUnsignedShort());
        case 8 -> literal.set(in.readUnsignedShort());
        case 16, 19, 20 -> in.readUnsignedShort(); // MethodType, Module, Package
        case 15 -> in.skipNBytes(3); // MethodHandle
        case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
        case 5, 6 -> {
          in.skipNBytes(8);
          i++; // a long or double takes two entries
        }
        default -> throw new IOException("constant pool tag " + tag + " at entry " + i);
      }
    }
    Set<String> raw = new TreeSet<>();
    for (int i = 1; i < count; i++) {
      // javac shares one Utf8 between a literal and a class of the same text: the class wins.
      if (utf8[i] != null && (!literal.get(i) || named.get(i))) {
        Matcher m = RAW.matcher(utf8[i]);
        while (m.find()) {
          raw.add(m.group().replace('/', '.'));
        }
      }
    }
    return raw;
  }
}
