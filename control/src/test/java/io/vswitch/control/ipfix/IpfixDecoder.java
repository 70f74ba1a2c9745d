package io.vswitch.control.ipfix;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict IPFIX (RFC 7011) reader for tests: checks the message and set lengths, the padding
 * (zero, shorter than a record), and decodes data records by the templates seen so far into maps of
 * information element id to value (numbers as longs, addresses as byte arrays).
 */
final class IpfixDecoder {
  record Message(
      int length,
      long exportTime,
      long sequence,
      long domain,
      int templates,
      List<Map<Integer, Object>> records) {}

  /** Template id -> [ie id, length] pairs. */
  final Map<Integer, int[][]> templates = new HashMap<>();

  Message decode(byte[] bytes, int length) {
    ByteBuffer b = ByteBuffer.wrap(bytes, 0, length);
    check(b.getShort() == 10, "version 10");
    int declared = b.getShort() & 0xFFFF;
    check(declared == length, "message length " + declared + " != " + length);
    long exportTime = b.getInt() & 0xFFFF_FFFFL;
    long sequence = b.getInt() & 0xFFFF_FFFFL;
    long domain = b.getInt() & 0xFFFF_FFFFL;
    int templateCount = 0;
    List<Map<Integer, Object>> records = new ArrayList<>();
    while (b.position() < length) {
      int setStart = b.position();
      check(length - setStart >= 4, "set header cut");
      int id = b.getShort() & 0xFFFF;
      int setLength = b.getShort() & 0xFFFF;
      check(setLength >= 4 && setStart + setLength <= length, "set length " + setLength);
      int end = setStart + setLength;
      check(setLength % 4 == 0, "sets are padded to 4 bytes here");
      if (id == 2) {
        while (end - b.position() >= 4) {
          int tid = b.getShort() & 0xFFFF;
          int count = b.getShort() & 0xFFFF;
          check(tid >= 256, "template id " + tid);
          int[][] fields = new int[count][];
          for (int f = 0; f < count; f++) {
            fields[f] = new int[] {b.getShort() & 0xFFFF, b.getShort() & 0xFFFF};
            check(fields[f][0] < 0x8000, "no enterprise elements");
          }
          templates.put(tid, fields);
          templateCount++;
        }
      } else {
        check(id >= 256, "data set id " + id);
        int[][] fields = templates.get(id);
        check(fields != null, "data set " + id + " before its template");
        int recordLength = 0;
        for (int[] f : fields) {
          recordLength += f[1];
        }
        while (end - b.position() >= recordLength) {
          Map<Integer, Object> r = new LinkedHashMap<>();
          for (int[] f : fields) {
            if (f[1] == 16 || (f[1] == 4 && (f[0] == 8 || f[0] == 12))) {
              byte[] a = new byte[f[1]];
              b.get(a);
              r.put(f[0], a);
            } else {
              long v = 0;
              for (int i = 0; i < f[1]; i++) {
                v = v << 8 | (b.get() & 0xFF);
              }
              r.put(f[0], v);
            }
          }
          records.add(r);
        }
      }
      int padding = end - b.position();
      check(padding < 4, "padding " + padding + " bytes");
      while (b.position() < end) {
        check(b.get() == 0, "padding is zeros");
      }
    }
    return new Message(length, exportTime, sequence, domain, templateCount, records);
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError("bad IPFIX: " + what);
    }
  }
}
