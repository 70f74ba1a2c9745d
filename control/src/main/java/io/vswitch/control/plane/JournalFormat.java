package io.vswitch.control.plane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The journal's record format, after OVSDB's log: each record is a header line {@code VSWJ <length>
 * <crc32c>\n} (decimal byte length and 8 hex digits of the CRC32C of the payload), then the payload
 * (one JSON object: sequence, time, source, description, config), then {@code \n}. The file is
 * plain text, so {@code less journal.log} shows the changes; the length makes a torn record
 * recognisable (it ends before its length says) and the checksum makes a flipped byte one.
 */
final class JournalFormat {
  /** No config comes near this; a longer length field is damage, not a record. */
  static final int MAX_PAYLOAD = 64 << 20;

  private static final String MAGIC = "VSWJ ";
  private static final int MAX_HEADER = 32; // "VSWJ " + 9 digits + " " + 8 hex + "\n" fits
  private static final Pattern HEADER = Pattern.compile("VSWJ ([0-9]{1,9}) ([0-9a-f]{8})");
  private static final ObjectMapper JSON = new ObjectMapper();

  private JournalFormat() {}

  /** One intact record: what it says, where it ends in the file, and its payload's checksum. */
  record Entry(ChangeRecord record, long end, int crc) {}

  /**
   * Where reading stopped before the end of the file: the first record that is not intact.
   *
   * @param sequence the sequence number the record should have had
   * @param offset its first byte in the file
   * @param reason what is wrong with it, in words
   */
  record Damage(long sequence, long offset, String reason) {
    String describe() {
      return "record #" + sequence + " at byte " + offset + " is " + reason;
    }
  }

  /** The intact records from the start of the file, and the damage that stopped reading, if any. */
  record Scan(List<Entry> entries, Damage damage) {
    long intactEnd() {
      return entries.isEmpty() ? 0 : entries.getLast().end();
    }

    long lastSequence() {
      return entries.isEmpty() ? 0 : entries.getLast().record().sequence();
    }
  }

  static byte[] encode(ChangeRecord r) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("sequence", r.sequence());
    fields.put("time", r.timeMillis());
    fields.put("source", r.source());
    fields.put("description", r.description());
    fields.put("config", r.config());
    byte[] payload;
    try {
      payload = JSON.writeValueAsBytes(fields);
    } catch (IOException e) {
      throw new JournalException("journal: cannot encode change #" + r.sequence() + ": " + e, e);
    }
    byte[] header =
        (MAGIC + payload.length + " " + hex(crc(payload, 0, payload.length)) + "\n")
            .getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[header.length + payload.length + 1];
    System.arraycopy(header, 0, out, 0, header.length);
    System.arraycopy(payload, 0, out, header.length, payload.length);
    out[out.length - 1] = '\n';
    return out;
  }

  /** Checksum of an encoded record's payload (what {@link Entry#crc} holds). */
  static int crcOf(byte[] encoded) {
    int newline = indexOf(encoded, 0, encoded.length, (byte) '\n');
    return crc(encoded, newline + 1, encoded.length - 1 - (newline + 1));
  }

  /** Reads records from the start of {@code file} up to {@code length}, stopping at damage. */
  static Scan scan(byte[] file, int length) {
    List<Entry> entries = new ArrayList<>();
    int at = 0;
    while (at < length) {
      long expected = entries.size() + 1L;
      Object read = readOne(file, at, length, expected);
      if (read instanceof String reason) {
        return new Scan(entries, new Damage(expected, at, reason));
      }
      Entry e = (Entry) read;
      entries.add(e);
      at = (int) e.end();
    }
    return new Scan(entries, null);
  }

  /**
   * Whether an intact record (any sequence) starts somewhere after {@code from}: then the damage at
   * {@code from} is in the middle of the journal, not a torn tail.
   */
  static boolean intactRecordAfter(byte[] file, int length, long from) {
    byte[] magic = ("\n" + MAGIC).getBytes(StandardCharsets.US_ASCII);
    for (int i = (int) from; i + magic.length <= length; i++) {
      if (file[i] == '\n'
          && java.util.Arrays.equals(file, i, i + magic.length, magic, 0, magic.length)) {
        if (readOne(file, i + 1, length, -1) instanceof Entry) {
          return true;
        }
      }
    }
    return false;
  }

  /** The entry at {@code at} ({@code expected} -1: any sequence), or a String saying why not. */
  private static Object readOne(byte[] file, int at, int length, long expected) {
    int newline = indexOf(file, at, Math.min(length, at + MAX_HEADER), (byte) '\n');
    if (newline < 0) {
      return length - at < MAX_HEADER ? "cut short inside its header" : "not a record header";
    }
    Matcher m = HEADER.matcher(new String(file, at, newline - at, StandardCharsets.ISO_8859_1));
    if (!m.matches()) {
      return "not a record header";
    }
    long size = Long.parseLong(m.group(1));
    if (size > MAX_PAYLOAD) {
      return "not a record header (length " + size + ")";
    }
    int start = newline + 1;
    long end = start + size + 1;
    if (end > length) {
      return "cut short (" + (end - at) + " bytes long, the file has " + (length - at) + ")";
    }
    int payloadLength = (int) size;
    if (file[(int) end - 1] != '\n') {
      return "not terminated by a newline";
    }
    int crc = crc(file, start, payloadLength);
    if (crc != (int) Long.parseLong(m.group(2), 16)) {
      return "corrupt (checksum " + hex(crc) + ", the record says " + m.group(2) + ")";
    }
    ChangeRecord record;
    try {
      JsonNode n = JSON.readTree(file, start, payloadLength);
      record =
          new ChangeRecord(
              field(n, "sequence").asLong(),
              field(n, "time").asLong(),
              field(n, "source").asText(),
              field(n, "description").asText(),
              field(n, "config").asText());
    } catch (IOException | IllegalArgumentException e) {
      return "unreadable (" + e.getMessage().lines().findFirst().orElse("") + ")";
    }
    if (expected >= 0 && record.sequence() != expected) {
      return "out of order (it says #" + record.sequence() + ")";
    }
    return new Entry(record, end, crc);
  }

  private static JsonNode field(JsonNode n, String name) {
    JsonNode v = n == null ? null : n.get(name);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("no " + name);
    }
    return v;
  }

  static int crc(byte[] b, int offset, int length) {
    CRC32C c = new CRC32C();
    c.update(b, offset, length);
    return (int) c.getValue();
  }

  static String hex(int crc) {
    return String.format("%08x", crc);
  }

  private static int indexOf(byte[] b, int from, int to, byte value) {
    for (int i = from; i < to; i++) {
      if (b[i] == value) {
        return i;
      }
    }
    return -1;
  }
}
